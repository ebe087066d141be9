// IAM's query-protocol answers: `<XResponse xmlns=…><XResult>…</XResult><ResponseMetadata>…`,
// lists as `<Name><member>…</member></Name>`, as @aws-sdk/client-iam parses them.
import { xmlEscape } from '../protocol-errors.js';
import type { SandboxResponse } from '../types.js';
import type { IamTag, IamUserRecord } from './iam-state.js';

export const IAM_VERSION = '2010-05-08';
const XMLNS = `https://iam.amazonaws.com/doc/${IAM_VERSION}/`;

/** `<name>text</name>` (undefined → nothing). */
export const text = (name: string, value: string | number | boolean | undefined): string =>
  value === undefined ? '' : `<${name}>${xmlEscape(String(value))}</${name}>`;

/** `<name>…children…</name>`. */
export const node = (name: string, ...children: string[]): string => `<${name}>${children.join('')}</${name}>`;

/** `<name><member>…</member>…</name>`. */
export const members = <T>(name: string, items: readonly T[], render: (item: T) => string): string =>
  node(name, ...items.map((i) => node('member', render(i))));

/** The list part every paginated IAM answer ends with. */
export const truncation = (marker: string | undefined): string => text('IsTruncated', marker !== undefined) + text('Marker', marker);

export const tagsXml = (tags: readonly IamTag[]): string => members('Tags', tags, (t) => text('Key', t.Key) + text('Value', t.Value));

/** The fields of a User (ListUsers leaves the tags out, as AWS does). */
export function userFields(u: IamUserRecord, withTags: boolean): string {
  return (
    text('Path', u.path) +
    text('UserName', u.userName) +
    text('UserId', u.userId) +
    text('Arn', u.arn) +
    text('CreateDate', u.createDate) +
    (withTags && u.tags.length > 0 ? tagsXml(u.tags) : '')
  );
}

export const userXml = (u: IamUserRecord, withTags: boolean): string => node('User', userFields(u, withTags));

/** The success answer; `result` undefined for actions without a result element (DeleteUser, …). */
export function iamResponse(action: string, result: string | undefined, requestId: string): SandboxResponse {
  return {
    status: 200,
    headers: { 'content-type': 'text/xml' },
    body:
      `<${action}Response xmlns="${XMLNS}">` +
      (result === undefined ? '' : node(`${action}Result`, result)) +
      node('ResponseMetadata', text('RequestId', requestId)) +
      `</${action}Response>\n`,
  };
}
