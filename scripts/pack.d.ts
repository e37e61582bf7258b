// Types of scripts/pack.js for the tests that import it.
export interface PackedPackage {
  name: string;
  version: string;
  /** Absolute path of the .tgz. */
  tarball: string;
}
export declare const PNPM: string[];
export declare function packageDirs(): { dir: string; manifest: Record<string, unknown> }[];
export declare function packAll(outDir: string): PackedPackage[];
