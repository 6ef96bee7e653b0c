import type { LocalIo } from '../../tools/commands/local';

/** A {@link LocalIo} that collects what `lakeforge local` prints (not a terminal), for assertions. */
export function captureIo(): LocalIo & { text: () => string; errors: () => string } {
  let out = '';
  let err = '';
  return { out: (t) => (out += t), err: (t) => (err += t), isTTY: false, text: () => out, errors: () => err };
}
