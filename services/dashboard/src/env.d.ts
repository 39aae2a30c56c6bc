// esbuild bundles the stylesheet main.tsx imports; TypeScript only needs to know the import is there.
declare module '*.css';
