// Every error vipd raises on purpose has one of these codes (undici's UND_ERR_* habit): scripts, the CLI and
// the daemon branch on `err.code`, never on message text, and docs/errors.md tells the operator what each one
// means and what to do (test/unit/errors/docs-sync.test.ts keeps the two in step).
//
// Append-only: never rename, reuse or remove a code; add new ones at the end. Imports nothing, so every folder
// under src/ may import it.

export interface ErrorCodeInfo {
  /** What went wrong, in one line. */
  readonly meaning: string;
  /** What the operator should do about it. */
  readonly action: string;
}

export const ERROR_CODES = {
  VIPD_ERR_INTERNAL: {
    meaning: 'an impossible state was reached: a bug in vipd, not in the configuration or the host',
    action: 'report it with the message and the log lines around it; restarting vipd clears the state',
  },
  VIPD_ERR_STARTUP: {
    meaning: 'the configuration cannot run on this host (missing interface, VMAC or source address); every problem is listed',
    action: 'fix each listed problem (create the interface, set unicast_src_ip \u2026) and start or reload again; on reload the running configuration is kept',
  },
  VIPD_ERR_NO_CAP_NET_RAW: {
    meaning: 'opening a raw socket (VRRP, ARP/NA) was refused: the process lacks CAP_NET_RAW',
    action: 'run vipd as root or grant cap_net_raw (systemd AmbientCapabilities=CAP_NET_RAW)',
  },
  VIPD_ERR_NO_CAP_NET_ADMIN: {
    meaning: 'changing addresses, interfaces or conntrack entries was refused: the process lacks CAP_NET_ADMIN',
    action: 'run vipd as root or grant cap_net_admin (systemd AmbientCapabilities=CAP_NET_ADMIN)',
  },
  VIPD_ERR_NO_SUCH_INTERFACE: {
    meaning: 'an interface named in the configuration does not exist (or vanished while in use)',
    action: 'check the interface name with `ip link`; create it before starting vipd, or fix the configuration',
  },
  VIPD_ERR_ADDRESS_NOT_AVAILABLE: {
    meaning: 'a source address vipd was told to use is not configured on this host',
    action: 'add the address to the interface or correct unicast_src_ip / source_address',
  },
  VIPD_ERR_INVALID_ADDRESS: {
    meaning: 'an address or prefix is not valid for its family (e.g. an IPv6 peer on an IPv4 instance)',
    action: 'correct the address in the configuration; `vipd check-config` names the line',
  },
  VIPD_ERR_SEND_FAILED: {
    meaning: 'the kernel refused to send a packet (link down, no route, frame too short \u2026)',
    action: 'check the interface state and routes; vipd logs it and keeps running',
  },
  VIPD_ERR_SEND_WOULD_BLOCK: {
    meaning: 'a socket send buffer was full, so a packet was not sent',
    action: 'usually transient under load; if it persists, look for a stuck interface or raise net.core.wmem_default',
  },
  VIPD_ERR_SOCKET: {
    meaning: 'a socket operation failed with an unexpected system error (the errno is in the message)',
    action: 'read the errno in the message; check interface state and kernel limits (ulimit -n, sysctls)',
  },
  VIPD_ERR_CLOSED: {
    meaning: 'an operation was attempted on a socket vipd had already closed (normally during shutdown or reload)',
    action: 'none during shutdown or reload; otherwise report it as a bug',
  },
  VIPD_ERR_NETLINK: {
    meaning: 'the kernel rejected a netlink request (address, link or conntrack change); errno and extack text are in the message',
    action: 'read the kernel reason in the message (e.g. "Address exists", EINVAL) and check the configuration it refers to',
  },
  VIPD_ERR_NETLINK_TIMEOUT: {
    meaning: 'the kernel did not answer a netlink request in time',
    action: 'check for a stalled host or a very large table; vipd retries where it can',
  },
  VIPD_ERR_NETLINK_OVERRUN: {
    meaning: 'the netlink receive buffer overflowed and kernel notifications or replies were lost',
    action: 'none for events: vipd re-reads the kernel state; if frequent, raise net.core.rmem_max',
  },
  VIPD_ERR_NATIVE_UNAVAILABLE: {
    meaning: 'the vipd_net native addon is not built or cannot be loaded',
    action: 'run `npm ci` (or `npm run install`) in the vipd directory, with a C compiler and Node headers installed',
  },
  VIPD_ERR_VMAC_CONFLICT: {
    meaning: 'an interface with the VMAC\'s name exists and is not a matching macvlan, so vipd will not touch it',
    action: 'rename or delete the other interface, or set another VMAC name (use_vmac NAME)',
  },
  VIPD_ERR_VMAC_MISSING: {
    meaning: 'the kernel acknowledged creating a VMAC but does not list it',
    action: 'check `ip link` and the kernel log (macvlan module loaded?); start vipd again',
  },
  VIPD_ERR_CONNTRACK: {
    meaning: 'a ctnetlink request (conntrack dump) failed; the errno is in the message',
    action: 'check that nf_conntrack_netlink is loaded and vipd has CAP_NET_ADMIN (the errno in the message says which)',
  },
  VIPD_ERR_STATUS_NOT_RUNNING: {
    meaning: '`vipd status`: nothing listens at the status address or socket',
    action: 'start vipd, or point `vipd status` at the right --url / --socket',
  },
  VIPD_ERR_STATUS_TIMEOUT: {
    meaning: '`vipd status`: the daemon accepted the connection but did not answer in time',
    action: 'the daemon may be stuck or overloaded: check its log and /healthz, then retry',
  },
  VIPD_ERR_STATUS_HTTP: {
    meaning: '`vipd status`: the daemon answered with an HTTP error (e.g. 503 during a reload)',
    action: 'retry in a moment; read the reason printed after the status code',
  },
  VIPD_ERR_STATUS_BAD_RESPONSE: {
    meaning: '`vipd status`: the address answered, but not with a vipd status document',
    action: 'point --url at vipd\'s metrics listener (default 127.0.0.1:9651), not at another service',
  },
  VIPD_ERR_STATUS_PERMISSION: {
    meaning: '`vipd status`: the control socket exists but may not be opened by this user',
    action: 'run `vipd status` as root or as the socket\'s owner',
  },
  VIPD_ERR_STATUS_NETWORK: {
    meaning: '`vipd status`: the connection failed or was closed early',
    action: 'check the address and any firewall between you and the daemon',
  },
  VIPD_ERR_STATUS_BAD_URL: {
    meaning: '`vipd status`: the --url is not a valid http:// URL',
    action: 'give --url as http://HOST:PORT (https is not served)',
  },
  VIPD_ERR_LISTEN_ADDRESS: {
    meaning: 'a listen address (--metrics-listen) is not HOST:PORT or [IPv6]:PORT, or the port is out of range',
    action: 'correct the flag, e.g. --metrics-listen 127.0.0.1:9651 or [::1]:9651, or `off`',
  },
  VIPD_ERR_LISTEN: {
    meaning: 'the metrics listener or control socket could not be opened (address in use, permission denied, another vipd serving it)',
    action: 'stop the other process or choose another address/socket path; VRRP keeps running without the listener',
  },
  VIPD_ERR_SYNC_SOURCE_ADDRESS: {
    meaning: 'connection sync has no usable source address (none on the interface, or of the other family than the group/peers)',
    action: 'add an address of the right family to the sync interface or set source_address in the sync block',
  },
  VIPD_ERR_SYNC_KEY: {
    meaning: 'the connection-sync key file holds fewer than 16 bytes of key (the HMAC is all that guards the conntrack table)',
    action: 'write a longer key to the file named in the message on every peer, e.g. `openssl rand -hex 32`',
  },
  VIPD_ERR_LAB_COMMAND: {
    meaning: 'a command of the throwaway namespace lab (`ip`, `nft` \u2026) failed (`vipd demo`, tests and benches only)',
    action: 'run as root with iproute2 and nftables installed; the command and its error are in the message',
  },
  VIPD_ERR_DEMO: {
    meaning: '`vipd demo`: the scripted failover did not happen as expected (no master, no reply, early exit)',
    action: 'read the agents\' log printed above; re-run on an idle host (the demo waits a few seconds at most per step)',
  },
  VIPD_ERR_GENL_FAMILY_MISSING: {
    meaning: 'a generic netlink family vipd needs is not registered in the kernel (its module is not loaded or not built)',
    action: 'load the module the message names (e.g. `modprobe ip_vs`) or use a kernel that has it',
  },
  VIPD_ERR_GENL: {
    meaning: 'the kernel refused a generic netlink request (the errno and the command are in the message)',
    action: 'read the errno and command in the message; vipd logs it and keeps running',
  },
  VIPD_ERR_GENL_TIMEOUT: {
    meaning: 'a generic netlink request got no answer within its time bound',
    action: 'usually a kernel under heavy load; vipd reports the operation as failed and retries on its next cycle',
  },
  VIPD_ERR_IPVS_UNAVAILABLE: {
    meaning: 'the kernel has no IPVS: the generic netlink family "IPVS" is not registered',
    action: 'run `modprobe ip_vs` (and the scheduler modules, e.g. ip_vs_wrr) or use a kernel built with CONFIG_IP_VS',
  },
  VIPD_ERR_IPVS_SERVICE_EXISTS: {
    meaning: 'an IPVS virtual service with the same address, port and protocol (or fwmark) already exists (EEXIST)',
    action: "edit the existing service instead, or remove the other tool's entry (`ipvsadm -Ln` shows it)",
  },
  VIPD_ERR_IPVS_NO_SUCH_SERVICE: {
    meaning: 'the IPVS virtual service named in a request does not exist (ESRCH)',
    action: "someone removed it behind vipd's back; vipd re-reads the table and adds it again",
  },
  VIPD_ERR_IPVS_DEST_EXISTS: {
    meaning: 'the real server is already a destination of this IPVS service (EEXIST)',
    action: 'edit the destination instead of adding it; vipd re-reads the table',
  },
  VIPD_ERR_IPVS_NO_SUCH_DEST: {
    meaning: 'the real server named in a request is not a destination of the IPVS service (ENOENT)',
    action: "someone removed it behind vipd's back; vipd re-reads the table",
  },
  VIPD_ERR_IPVS_UNKNOWN_SCHEDULER: {
    meaning: 'the kernel has no IPVS scheduler or persistence engine of that name (ENOENT on a service)',
    action: 'check the name (rr, wrr, lc, wlc, lblc, lblcr, dh, sh, sed, nq, fo, ovf, mh, twos) and that module ip_vs_NAME exists for this kernel',
  },
  VIPD_ERR_IPVS_REFUSED: {
    meaning: 'the kernel refused an IPVS request for another reason (EINVAL, ERANGE \u2026: the errno and the entry are in the message)',
    action: 'read the errno and the entry in the message (e.g. a weight below 0, l_threshold above u_threshold, a link-local real server)',
  },
  VIPD_ERR_IPVS_INVALID: {
    meaning: 'an IPVS request vipd was asked to send is not valid (name too long, wrong address family, port out of range \u2026)',
    action: 'correct the value the message names; nothing was sent to the kernel',
  },
  VIPD_ERR_STATUS_AMBIGUOUS: {
    meaning: '`vipd status`: several agents run on this host and no flag says which one to read',
    action: 'add the --netns / --config-id printed beside the agent you want, or --socket PATH',
  },
  VIPD_ERR_CONTROL_SOCKET_IN_USE: {
    meaning: 'another vipd with the same identity (--config-id, network namespace) answers on the control socket, so this one refuses to start',
    action: 'stop the other agent first, or give this one its own --config-id (or --control-socket PATH)',
  },
  VIPD_ERR_CONTROL_SOCKET: {
    meaning: 'the control socket could not be created (folder not creatable or not ours, a non-socket file in the way, path too long, bind failed); the agent does not start',
    action: 'read the path and reason in the message; under systemd keep RuntimeDirectory=vipd, or pass --control-socket PATH',
  },
  VIPD_ERR_IPVS_SYNCD_REFUSED: {
    meaning: 'the kernel refused to start an IPVS sync daemon (lvs_sync_daemon) with EINVAL: it does so while any virtual server has a real server of the other address family (a mixed-family tunnel destination)',
    action: 'remove the real servers of the other address family or the lvs_sync_daemon line; vipd keeps running without that daemon',
  },
  VIPD_ERR_NFT_UNAVAILABLE: {
    meaning: 'the nftables data plane cannot run: libnftables (libnftables.so.1) could not be loaded',
    action: 'install it with `apt-get install libnftables1` (Debian/Ubuntu; it comes with the nftables package), or choose the IPVS data plane',
  },
  VIPD_ERR_NFT_UNSUPPORTED: {
    meaning: 'the nftables data plane cannot do what a virtual server asks (a scheduler that needs live connection counts, the TUN forwarding method, DR on a fwmark service or mixed with NAT in one service); the message lists what works',
    action: 'choose one of the schedulers the message lists (rr, wrr, sh, mh, random) and lvs_method NAT or DR (one method per virtual_server, DR on an address virtual_server), or use the IPVS data plane',
  },
  VIPD_ERR_NFT_REFUSED: {
    meaning: "libnftables refused a transaction in vipd's own table (syntax or kernel error: nft's message is included); nothing of that transaction took effect",
    action: "read nft's message; a kernel without nf_tables NAT (nft_nat, nft_numgen, nft_hash, nft_ct) needs those modules",
  },
  VIPD_ERR_NFT_NO_SUCH_SERVICE: {
    meaning: 'a real-server change named a virtual service the nftables data plane does not hold',
    action: 'vipd re-reads the table and adds the service first',
  },
} as const satisfies Record<`VIPD_ERR_${string}`, ErrorCodeInfo>;

export type VipdErrorCode = keyof typeof ERROR_CODES;

/** The codes in table order (the order docs/errors.md lists them in). */
export const VIPD_ERROR_CODES = Object.keys(ERROR_CODES) as readonly VipdErrorCode[];

export function isVipdErrorCode(code: unknown): code is VipdErrorCode {
  return typeof code === 'string' && Object.hasOwn(ERROR_CODES, code);
}

/** A subset of the table's codes, checked: a code missing from the table does not compile. */
export type CodeSubset<C extends VipdErrorCode> = C;
