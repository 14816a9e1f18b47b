// The console's icon (a tile with a T), served from our own origin so no page asks for a missing
// /favicon.ico and the CSP needs no exception.
export const FAVICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="7" fill="#1d4ed8"/><path d="M8 9h16v4h-6v12h-4V13H8z" fill="#fff"/></svg>`;
