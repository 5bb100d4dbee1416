/** The app's version from package.json, put in by the build (esbuild `define`). */
declare const __SHOAL_VERSION__: string;
