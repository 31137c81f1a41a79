#!/usr/bin/python3
# The LVS lab's real servers AND its client, in ONE process inside the user-mode Linux guest
# (test/uml/scenarios/lvsGuest.ts drives it). Every process start costs seconds inside UML, so instead of one
# server per namespace, this process creates each socket inside the namespace it belongs to (setns(2) on the
# creating thread, then back: a socket stays in the netns it was created in) and serves them all from one
# asyncio loop. Python 3.11 has no os.setns, hence ctypes.
#
# Control: JSON lines on a UNIX socket (argv[1]); one reply line per request.
#   {"cmd":"listen","items":[{"ns":"r1","port":80,"kind":"http"|"echo","name":"r1"}, ...]}
#   {"cmd":"stop","ns":"r1","port":80}            close the listener (new connections are refused)
#   {"cmd":"split","ns":"c1","host":"10.1.0.100","port":80,"n":50}   n HTTP GETs, answers counted by name
#   {"cmd":"hold","ns":"c1","host":"10.1.0.100","port":9000,"k":20,"group":"nat"}  open k echo connections
#                                                  and keep them ("group" optional: "default")
#   {"cmd":"check","rounds":1}                     how many held connections still echo (all checked at once,
#                                                  `rounds` pings each, one after the other),
#                                                  in total and per group; a connection that failed once is
#                                                  closed and stays dead (an echo arriving late would be
#                                                  mistaken for the next check's)
#   {"cmd":"drop"}                                 close the held connections
#   {"cmd":"after_probe","ns":"r1","port":80,"src":"10.2.0.1","offset_ms":300,"timeout_ms":5000,"then":{...}}
#                                                  wait for the next TCP SYN from src to port in ns (a health
#                                                  check's connect, seen whether the port listens or not), sleep
#                                                  offset_ms, then run the request in "then": a fault that lands
#                                                  at the same phase of every agent's check cycle (bench/lvs)
# HTTP answers "<name>\n" with 200 to any request; "echo" echoes lines back.
import asyncio
import ctypes
import json
import os
import resource
import socket
import sys

CLONE_NEWNET = 0x40000000
libc = ctypes.CDLL(None, use_errno=True)
HOME_NS = os.open('/proc/self/ns/net', os.O_RDONLY)


def in_netns(ns, fn):
    fd = os.open(f'/run/netns/{ns}', os.O_RDONLY)
    try:
        if libc.setns(fd, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), f'setns {ns}')
        try:
            return fn()
        finally:
            if libc.setns(HOME_NS, CLONE_NEWNET) != 0:
                raise OSError(ctypes.get_errno(), 'setns back')
    finally:
        os.close(fd)


listeners = {}  # (ns, port) -> asyncio.Server
syn_watchers = {}  # ns -> packet socket on its eth0
syn_waiters = {}  # (ns, port, src) -> [Future]
held = []  # [group, reader, writer, alive]


async def serve_http(name, reader, writer):
    try:
        await asyncio.wait_for(reader.readuntil(b'\r\n\r\n'), 5)
        body = (name + '\n').encode()
        writer.write(b'HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\nConnection: close\r\n\r\n' % len(body) + body)
        await writer.drain()
    except Exception:
        pass  # TCP_CHECK connects and closes; a checker may time out: nothing to answer
    finally:
        writer.close()


async def serve_echo(reader, writer):
    try:
        while True:
            line = await reader.readline()
            if not line:
                break
            writer.write(line)
            await writer.drain()
    except Exception:
        pass
    finally:
        writer.close()


async def listen(item):
    key = (item['ns'], item['port'])
    if key in listeners:
        return

    def make():
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(('0.0.0.0', item['port']))
        s.listen(1024)
        s.setblocking(False)
        return s

    sock = in_netns(item['ns'], make)
    if item['kind'] == 'echo':
        handler = serve_echo
    else:
        name = item['name']

        async def handler(r, w):
            await serve_http(name, r, w)
    listeners[key] = await asyncio.start_server(handler, sock=sock)


ETH_P_IP = 0x0800


def on_packets(ns, sock):
    while True:
        try:
            pkt = sock.recv(128)
        except BlockingIOError:
            return
        # IPv4 with TCP: IHL, protocol, source address; TCP destination port and flags (SYN without ACK).
        if len(pkt) < 20 or pkt[0] >> 4 != 4 or pkt[9] != 6:
            continue
        ihl = (pkt[0] & 0x0F) * 4
        if len(pkt) < ihl + 14:
            continue
        flags = pkt[ihl + 13]
        if flags & 0x12 != 0x02:
            continue
        src = socket.inet_ntoa(pkt[12:16])
        port = int.from_bytes(pkt[ihl + 2:ihl + 4], 'big')
        for fut in syn_waiters.pop((ns, port, src), []):
            if not fut.done():
                fut.set_result(None)


def watch_syns(ns):
    if ns in syn_watchers:
        return

    def make():
        s = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(ETH_P_IP))
        s.bind(('eth0', ETH_P_IP))
        s.setblocking(False)
        return s

    sock = in_netns(ns, make)
    syn_watchers[ns] = sock
    asyncio.get_running_loop().add_reader(sock.fileno(), on_packets, ns, sock)


async def after_probe(req):
    watch_syns(req['ns'])
    fut = asyncio.get_running_loop().create_future()
    syn_waiters.setdefault((req['ns'], req['port'], req['src']), []).append(fut)
    try:
        await asyncio.wait_for(fut, req.get('timeout_ms', 5000) / 1000)
    except asyncio.TimeoutError:
        return {'ok': False, 'error': f"no SYN to {req['ns']}:{req['port']} from {req['src']}"}
    await asyncio.sleep(req.get('offset_ms', 0) / 1000)
    return await handle(req['then'])


async def connect(ns, host, port):
    sock = in_netns(ns, lambda: socket.socket(socket.AF_INET, socket.SOCK_STREAM))
    sock.setblocking(False)
    try:
        await asyncio.wait_for(asyncio.get_running_loop().sock_connect(sock, (host, port)), 3)
    except BaseException:
        sock.close()
        raise
    return await asyncio.open_connection(sock=sock)


async def one_get(ns, host, port):
    r, w = await connect(ns, host, port)
    try:
        w.write(f'GET / HTTP/1.0\r\nHost: {host}\r\n\r\n'.encode())
        await w.drain()
        data = await asyncio.wait_for(r.read(), 5)
        text = data.decode(errors='replace')
        if not text.startswith('HTTP/1.0 200'):
            return 'bad-status'
        return text.split('\r\n\r\n', 1)[1].strip() or 'empty'
    finally:
        w.close()


async def check_one(conn):
    _, r, w, alive = conn
    if not alive:
        return
    try:
        w.write(b'ping\n')
        await w.drain()
        # 5 s: a failover leaves no packet in flight, but a loaded one-CPU guest can be slow to answer.
        if await asyncio.wait_for(r.readline(), 5) == b'ping\n':
            return
    except Exception:
        pass
    conn[3] = False
    w.close()


async def check_rounds(conn, rounds):
    for _ in range(rounds):
        await check_one(conn)


async def check_held(rounds=1):
    await asyncio.gather(*(check_rounds(c, rounds) for c in held))
    return sum(1 for c in held if c[3])


def group_counts():
    counts = {}
    for g, _, _, alive in held:
        c = counts.setdefault(g, {'held': 0, 'alive': 0})
        c['held'] += 1
        c['alive'] += 1 if alive else 0
    return counts


async def handle(req):
    cmd = req['cmd']
    if cmd == 'listen':
        for item in req['items']:
            await listen(item)
        return {'ok': True, 'listeners': len(listeners)}
    if cmd == 'stop':
        srv = listeners.pop((req['ns'], req['port']), None)
        if srv:
            srv.close()
        return {'ok': True, 'was': srv is not None}
    if cmd == 'split':
        counts = {}
        for _ in range(req['n']):
            try:
                who = await one_get(req['ns'], req['host'], req['port'])
            except Exception as e:
                who = 'error:' + type(e).__name__
            counts[who] = counts.get(who, 0) + 1
        return {'ok': True, 'counts': counts}
    if cmd == 'hold':
        errors = 0
        for _ in range(req['k']):
            try:
                r, w = await connect(req['ns'], req['host'], req['port'])
                held.append([req.get('group', 'default'), r, w, True])
            except Exception:
                errors += 1
        return {'ok': True, 'held': len(held), 'errors': errors, 'alive': await check_held(), 'groups': group_counts()}
    if cmd == 'check':
        return {'ok': True, 'held': len(held), 'alive': await check_held(req.get('rounds', 1)), 'groups': group_counts()}
    if cmd == 'after_probe':
        return await after_probe(req)
    if cmd == 'drop':
        for _, _, w, _ in held:
            w.close()
        held.clear()
        return {'ok': True}
    return {'ok': False, 'error': f'unknown command {cmd}'}


async def control(reader, writer):
    while True:
        line = await reader.readline()
        if not line:
            break
        try:
            reply = await handle(json.loads(line))
        except Exception as e:
            reply = {'ok': False, 'error': f'{type(e).__name__}: {e}'}
        writer.write((json.dumps(reply) + '\n').encode())
        await writer.drain()
    writer.close()


async def main():
    resource.setrlimit(resource.RLIMIT_NOFILE, (65536, 65536))
    path = sys.argv[1]
    if os.path.exists(path):
        os.unlink(path)
    server = await asyncio.start_unix_server(control, path=path)
    async with server:
        await server.serve_forever()


asyncio.run(main())
