// node-forge's own modules, imported one by one (its index loads all of it); typed from @types/node-forge.
declare module 'node-forge/lib/asn1.js' {
  import type forge from 'node-forge';
  const asn1: typeof forge.asn1;
  export default asn1;
}
declare module 'node-forge/lib/pem.js' {
  import type forge from 'node-forge';
  const pem: typeof forge.pem;
  export default pem;
}
