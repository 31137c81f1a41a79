// A refused IPVS request → the VipdError code that says what went wrong in IPVS terms. The errno meanings are
// the kernel's, per command (ip_vs_ctl.c ip_vs_genl_set_cmd / ip_vs_add_service / ip_vs_add_dest …):
// EEXIST on NEW_* means the entry exists, ESRCH means the service is missing, ENOENT means the destination is
// missing (dest commands) or the scheduler / persistence engine module is unknown (service commands).
import type { VipdErrorCode } from '../../errors/codes.js';
import type { VipdError } from '../../errors/vipdError.js';
import { GenlError } from '../../net/genlSocket.js';
import { IPVS_CMD } from './constants.js';

const EEXIST = 17;
const ESRCH = 3;
const ENOENT = 2;

function codeFor(cmd: number, errno: number): VipdErrorCode {
  const serviceCmd = cmd === IPVS_CMD.NEW_SERVICE || cmd === IPVS_CMD.SET_SERVICE || cmd === IPVS_CMD.DEL_SERVICE;
  const destCmd = cmd === IPVS_CMD.NEW_DEST || cmd === IPVS_CMD.SET_DEST || cmd === IPVS_CMD.DEL_DEST;
  if (errno === EEXIST && cmd === IPVS_CMD.NEW_SERVICE) return 'VIPD_ERR_IPVS_SERVICE_EXISTS';
  if (errno === EEXIST && cmd === IPVS_CMD.NEW_DEST) return 'VIPD_ERR_IPVS_DEST_EXISTS';
  if (errno === ESRCH && (serviceCmd || destCmd || cmd === IPVS_CMD.ZERO)) return 'VIPD_ERR_IPVS_NO_SUCH_SERVICE';
  if (errno === ENOENT && destCmd) return 'VIPD_ERR_IPVS_NO_SUCH_DEST';
  if (errno === ENOENT && serviceCmd) return 'VIPD_ERR_IPVS_UNKNOWN_SCHEDULER';
  return 'VIPD_ERR_IPVS_REFUSED';
}

/** `err` from GenlSocket.request for IPVS command `cmd` on `what` ("NEW_SERVICE TCP 10.0.0.1:80 (wrr)"). */
export function ipvsError(err: unknown, cmd: number, what: string): unknown {
  if (!(err instanceof GenlError) || err.code !== 'VIPD_ERR_GENL' || err.errno === undefined) return err;
  const code = codeFor(cmd, err.errno);
  return new GenlError(code, `IPVS ${what}: ${err.sysCode ?? `errno ${err.errno}`}`, {
    errno: err.errno,
    sysCode: err.sysCode,
    cause: err,
  }) as VipdError;
}
