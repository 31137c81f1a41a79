// placeholder replaced below
export async function demoCommand(): Promise<number> {
  return 1;
}
