/**
 * The first sync's object list is read as git writes it, in chunks that split lines anywhere: the
 * blobs of a pointer's size are found wherever the chunks break, and nothing else is.
 */
import { smallBlobLines } from "../../../src/mirror/lfs-pointers.js";

const sha1 = (c: string) => c.repeat(40);
const sha256 = (c: string) => c.repeat(64);

const LISTING = [
  `125 blob ${sha1("a")}`, // one byte short of the shortest pointer
  `126 blob ${sha1("b")}`,
  `300 commit ${sha1("c")}`,
  `512 tree ${sha1("d")}`,
  `1023 blob ${sha256("e")}`, // a SHA-256 repository's name
  `1024 blob ${sha1("f")}`, // git-lfs reads only blobs under 1024 bytes
  `5 blob ${sha1("1")}`,
  `700 blob ${sha1("2")}`,
  `98765 blob ${sha1("3")}`,
  `missing ${sha1("4")}`,
].join("\n");

function read(chunks: string[]): string[] {
  const found: string[] = [];
  const consume = smallBlobLines((sha) => found.push(sha));
  for (const chunk of chunks) consume(Buffer.from(chunk, "latin1"));
  return found;
}

describe("smallBlobLines", () => {
  const expected = [sha1("b"), sha256("e"), sha1("2")];

  it("finds the blobs of a pointer's size (126 to 1023 bytes) and nothing else", () => {
    expect(read([LISTING + "\n"])).toEqual(expected);
  });

  it("finds the same ones wherever the listing is split into two chunks, or three", () => {
    const text = LISTING + "\n";
    for (let at = 0; at <= text.length; at++) {
      expect(read([text.slice(0, at), text.slice(at)])).toEqual(expected);
      const second = Math.min(text.length, at + 37);
      expect(read([text.slice(0, at), text.slice(at, second), text.slice(second)])).toEqual(expected);
    }
  });

  it("waits for a line's end before reading it", () => {
    expect(read([`700 blob ${sha1("2")}`])).toEqual([]);
    expect(read([`700 blob ${sha1("2")}`, "\n"])).toEqual([sha1("2")]);
  });
});
