import assert from 'node:assert/strict';
import { buildRequest, hostHeader } from '../../../../src/lvs/checkers/httpExchange.js';

// Expected bytes written from keepalived check_http.c:126-137 and 1700-1705, not from our builder.
describe('lvs/checkers HTTP request form', () => {
  it('HTTP/1.0: GET, User-Agent, Host ip:port, no Connection header', () => {
    assert.equal(buildRequest('/health', '1.0', hostHeader(null, '10.2.0.11', 80)), 'GET /health HTTP/1.0\r\nUser-Agent: KeepAliveClient\r\nHost: 10.2.0.11:80\r\n\r\n');
  });
  it('1.0C adds Connection: close before Host', () => {
    assert.equal(buildRequest('/', '1.0C', 'www.example.com'), 'GET / HTTP/1.0\r\nUser-Agent: KeepAliveClient\r\nConnection: close\r\nHost: www.example.com\r\n\r\n');
  });
  it('1.1 is HTTP/1.1 with Connection: close', () => {
    assert.equal(buildRequest('/', '1.1', 'h'), 'GET / HTTP/1.1\r\nUser-Agent: KeepAliveClient\r\nConnection: close\r\nHost: h\r\n\r\n');
  });
  it('Host: virtualhost as written (no port); an IPv6 address in brackets with its port', () => {
    assert.equal(hostHeader('www.example.com', '10.0.0.1', 8080), 'www.example.com');
    assert.equal(hostHeader(null, '2001:db8::1', 8080), '[2001:db8::1]:8080');
  });
});
