// A small RFC 4180 reader: quoted fields ("" escapes a quote), CRLF or LF, with the line each
// record starts on. Enough for inventories exported from spreadsheets.

export interface CsvRecord {
  readonly line: number;
  readonly fields: string[];
}

export function readCsv(text: string): { records: CsvRecord[] } | { error: string; line: number } {
  const records: CsvRecord[] = [];
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  let line = 1;
  let start = 1;
  let sawAny = false;
  const src = text.replace(/^\uFEFF/, '');
  for (let i = 0; i < src.length; i++) {
    const c = src[i] as string;
    if (quoted) {
      if (c === '"' && src[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else {
        if (c === '\n') line++;
        field += c;
      }
      continue;
    }
    if (c === '"' && field === '') {
      quoted = true;
      sawAny = true;
    } else if (c === ',') {
      fields.push(field);
      field = '';
      sawAny = true;
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && src[i + 1] === '\n') i++;
      fields.push(field);
      if (sawAny || fields.some((f) => f.trim() !== '')) records.push({ line: start, fields });
      fields = [];
      field = '';
      sawAny = false;
      line++;
      start = line;
    } else {
      field += c;
      sawAny = true;
    }
  }
  if (quoted) return { error: 'a quoted field is not closed', line: start };
  if (sawAny || field !== '') {
    fields.push(field);
    records.push({ line: start, fields });
  }
  return { records };
}
