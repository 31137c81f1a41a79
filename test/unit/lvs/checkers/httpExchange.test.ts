import assert from 'node:assert/strict';
import { HttpReplyReader, buildRequest, hostHeader } from '../../../../src/lvs/checkers/httpExchange.js';

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

// HTTP_GET reads every reply through one reused 4 KiB buffer (httpRaw.ts): the reader must copy what it keeps.
describe('lvs/checkers HTTP reply reader over one reused buffer', () => {
  const url = { path: '/', digest: null, statusCodes: [[200, 299]] as [number, number][], virtualhost: null, regex: 'GREEN', regexNoMatch: false };
  const feed = (reader: HttpReplyReader, pieces: string[]): ReturnType<HttpReplyReader['push']> => {
    const shared = Buffer.alloc(64);
    let v: ReturnType<HttpReplyReader['push']> = null;
    for (const p of pieces) {
      const n = shared.write(p, 'latin1');
      v = reader.push(shared.subarray(0, n));
      shared.fill('X'); // what the next read would do to the memory
      if (v) return v;
    }
    return reader.end();
  };
  it('headers split across reads, body split across reads: status and regex see the real bytes', () => {
    const v = feed(new HttpReplyReader(url, /GREEN/, 'GET x'), ['HTTP/1.0 20', '0 OK\r\nA: b\r', '\n\r\nstatus: GR', 'EEN\n']);
    assert.deepEqual(v, { ok: true });
  });
  it('a regex that only the overwritten memory would match fails', () => {
    const v = feed(new HttpReplyReader({ ...url, regex: 'XXXX' }, /XXXX/, 'GET x'), ['HTTP/1.0 200 OK\r\n\r\nab', 'cd']);
    assert.equal(v?.ok, false);
  });
});
