/**
 * Just enough of git's pkt-line format to rewrite a push's report-status (`ng <ref> <reason>`),
 * inside side-band-64k or not, so a fake forge can refuse a ref with its own words, as GitHub does.
 */

type Packet = Buffer | "flush";

function parsePackets(data: Buffer): Packet[] {
  const packets: Packet[] = [];
  let at = 0;
  while (at + 4 <= data.length) {
    const length = Number.parseInt(data.subarray(at, at + 4).toString("latin1"), 16);
    if (Number.isNaN(length)) break;
    if (length === 0) {
      packets.push("flush");
      at += 4;
      continue;
    }
    packets.push(data.subarray(at + 4, at + length));
    at += length;
  }
  return packets;
}

function encode(packets: Packet[]): Buffer {
  return Buffer.concat(packets.map((p) => (p === "flush" ? Buffer.from("0000") : Buffer.concat([Buffer.from((p.length + 4).toString(16).padStart(4, "0")), p]))));
}

/** Rewrites report lines `ng <ref> …` for each ref in `reasons` to `ng <ref> <reason>`. */
function rewriteReport(report: Buffer, reasons: Map<string, string>): Buffer {
  const packets = parsePackets(report).map((p) => {
    if (p === "flush") return p;
    const match = /^ng (\S+) /.exec(p.toString("utf8"));
    const reason = match ? reasons.get(match[1]!) : undefined;
    return reason ? Buffer.from(`ng ${match![1]} ${reason}\n`) : p;
  });
  return encode(packets);
}

/** The response body of a receive-pack POST, with refused refs' reasons replaced. */
export function rewriteReportStatus(body: Buffer, reasons: Map<string, string>): Buffer {
  const packets = parsePackets(body);
  const first = packets.find((p): p is Buffer => p !== "flush");
  if (!first || first.toString("latin1").startsWith("unpack")) return rewriteReport(body, reasons);
  // side-band: band 1 carries the report (possibly split over packets), 2 and 3 progress and errors.
  const report = Buffer.concat(packets.filter((p): p is Buffer => p !== "flush" && p[0] === 1).map((p) => p.subarray(1)));
  const rewritten = rewriteReport(report, reasons);
  const out: Packet[] = [];
  let placed = false;
  for (const p of packets) {
    if (p !== "flush" && p[0] === 1) {
      if (placed) continue;
      placed = true;
      for (let at = 0; at < rewritten.length; at += 65_515) out.push(Buffer.concat([Buffer.from([1]), rewritten.subarray(at, at + 65_515)]));
    } else {
      out.push(p);
    }
  }
  return encode(out);
}
