/** What we advertise, in one place. */
export const AGENT = 'gitwell/0.1';

export function uploadPackCapsV0(headTarget: string | null): string {
  const caps = [
    'multi_ack',
    'multi_ack_detailed',
    'no-done',
    'side-band',
    'side-band-64k',
    'thin-pack',
    'ofs-delta',
    'shallow',
    'deepen-since',
    'deepen-not',
    'deepen-relative',
    'no-progress',
    'include-tag',
    'allow-tip-sha1-in-want',
    'allow-reachable-sha1-in-want',
    'filter',
  ];
  if (headTarget) caps.push(`symref=HEAD:${headTarget}`);
  caps.push('object-format=sha1', `agent=${AGENT}`);
  return caps.join(' ');
}

export const RECEIVE_PACK_CAPS = [
  'report-status',
  'report-status-v2',
  'delete-refs',
  'side-band-64k',
  'quiet',
  'atomic',
  'ofs-delta',
  'push-options',
  'object-format=sha1',
  `agent=${AGENT}`,
].join(' ');

export const V2_CAPS = ['version 2', `agent=${AGENT}`, 'ls-refs=unborn', 'fetch=shallow filter', 'server-option', 'object-format=sha1'];
