// S3 REST-XML: a tiny element builder for responses and a strict-enough parser for request bodies.
import { XMLParser } from 'fast-xml-parser';
import type { SandboxResponse } from '../types.js';
import { AwsError } from '../types.js';

export const S3_XMLNS = 'http://s3.amazonaws.com/doc/2006-03-01/';

export function escapeXml(text: string): string {
  return text.replace(/[&<>"'\r\n\t]/g, (c) => {
    switch (c) {
      case '&': return '&amp;';
      case '<': return '&lt;';
      case '>': return '&gt;';
      case '"': return '&quot;';
      case "'": return '&apos;';
      default: return `&#x${c.charCodeAt(0).toString(16).toUpperCase()};`;
    }
  });
}

/** One element: a scalar is escaped text, an array is already-rendered children. Undefined renders nothing. */
export function el(name: string, value: string | number | boolean | readonly string[] | undefined): string {
  if (value === undefined) return '';
  if (Array.isArray(value)) return `<${name}>${value.join('')}</${name}>`;
  return `<${name}>${escapeXml(String(value))}</${name}>`;
}

export function xmlResponse(root: string, children: readonly string[], headers: Record<string, string> = {}, status = 200): SandboxResponse {
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<${root} xmlns="${S3_XMLNS}">${children.join('')}</${root}>`;
  return { status, headers: { 'content-type': 'application/xml', ...headers }, body };
}

const parser = new XMLParser({
  ignoreAttributes: true,
  parseTagValue: false,
  trimValues: false,
  ignoreDeclaration: true,
  processEntities: true,
  htmlEntities: true,
  removeNSPrefix: true,
});

export type XmlNode = { [name: string]: XmlValue };
export type XmlValue = string | XmlNode | XmlValue[];

const malformed = (): AwsError =>
  new AwsError('MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema');

/** Parses a request body and returns its root element's content (must be named `root`). */
export function parseXmlBody(body: Buffer, root: string): XmlNode {
  let doc: unknown;
  try {
    doc = parser.parse(body.toString('utf8'), true);
  } catch {
    throw malformed();
  }
  const content = (doc as Record<string, unknown> | undefined)?.[root];
  if (content === undefined) throw malformed();
  if (typeof content === 'string') return {};
  return content as XmlNode;
}

/** Child elements by name, always as a list. */
export function children(node: XmlNode, name: string): XmlValue[] {
  const value = Object.hasOwn(node, name) ? node[name] : undefined;
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** A child's text (trimmed unless `raw`), or undefined. */
export function text(node: XmlValue, name: string, raw = false): string | undefined {
  if (typeof node !== 'object' || Array.isArray(node)) return undefined;
  const value = children(node, name)[0];
  if (value === undefined) return undefined;
  if (typeof value === 'string') return raw ? value : value.trim();
  if (!Array.isArray(value) && typeof value['#text'] === 'string') return raw ? value['#text'] : value['#text'].trim();
  return '';
}
