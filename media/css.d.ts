/** Stylesheets imported as text (esbuild's text loader), adopted by the page at run time. */
declare module '*.css' {
  const text: string;
  export default text;
}
