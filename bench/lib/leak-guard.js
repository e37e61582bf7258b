// A last-resort timer for the on-demand scripts: they must exit by themselves once their work is done.

/**
 * If the process is still alive `delayMs` from now, some handle leaked: say which, and fail. Unref'd,
 * so the timer itself never keeps the process alive.
 */
export const leakGuard = (label, delayMs) =>
  setTimeout(() => {
    console.error(`${label}: process did not exit; open resources:`, process.getActiveResourcesInfo());
    process.exit(1);
  }, delayMs).unref();
