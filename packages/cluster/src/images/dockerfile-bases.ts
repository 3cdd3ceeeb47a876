/**
 * The base images of a Dockerfile, and the same Dockerfile with them pinned: for a build of
 * another platform, every base is pulled for that platform by digest and the FROM lines name
 * that digest, because the Engine's builder takes a base image already on the Engine whatever its
 * platform. Stages named earlier, `scratch`, bases with `$ARG`s and FROMs with their own
 * `--platform` are left as they are. Pure.
 */
const fromLine = /^(\s*FROM\s+)((?:--platform=\S+\s+)?)(\S+)(\s+AS\s+(\S+))?(\s*)$/i;

export interface DockerfileBases {
  bases: string[];
  render(pinned: Map<string, string>): string;
}

export function dockerfileBases(text: string): DockerfileBases {
  const lines = text.split("\n");
  const stages = new Set<string>();
  const bases: string[] = [];
  const rewritable = new Map<number, string>();
  lines.forEach((line, index) => {
    const match = fromLine.exec(line);
    if (!match) return;
    const [, , platformFlag = "", image = "", , stage] = match;
    if (
      !platformFlag &&
      !image.includes("$") &&
      image.toLowerCase() !== "scratch" &&
      !stages.has(image.toLowerCase())
    ) {
      rewritable.set(index, image);
      if (!bases.includes(image)) bases.push(image);
    }
    if (stage) stages.add(stage.toLowerCase());
  });
  return {
    bases,
    render(pinned) {
      return lines
        .map((line, index) => {
          const image = rewritable.get(index);
          const to = image ? pinned.get(image) : undefined;
          if (!image || !to) return line;
          return line.replace(
            fromLine,
            (_all, from, flag, _image, as = "", _stage, end = "") => `${from}${flag}${to}${as}${end}`,
          );
        })
        .join("\n");
    },
  };
}

/** `registry:5000/a/b:tag` -> `registry:5000/a/b` (the name a digest is appended to). */
export function imageName(reference: string): string {
  const withoutDigest = reference.replace(/@.*$/, "");
  const lastSlash = withoutDigest.lastIndexOf("/");
  const colon = withoutDigest.lastIndexOf(":");
  return colon > lastSlash ? withoutDigest.slice(0, colon) : withoutDigest;
}
