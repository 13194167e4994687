// build.mjs loads .css files as text (esbuild loader 'text'); main.ts adopts them as a constructable sheet.
declare module '*.css' {
  const text: string;
  export default text;
}
