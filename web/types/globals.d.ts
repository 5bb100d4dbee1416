/** The app's version from package.json, put in by the build (esbuild `define`). */
declare const __SHOAL_VERSION__: string;
/** When this build was made (ISO 8601), put in by the build. */
declare const __SHOAL_BUILD__: string;
