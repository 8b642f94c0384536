/**
 * Adversarial inputs for the checksum tracer (issue 8 §4): the shapes that made it super-linear
 * once (many checks of one download, many download-and-check pairs, many sum files written and
 * checked, many variables, case arms, array entries, here-strings, pipelines, deep nesting), each
 * about `size` characters, written as a shell script and wrapped for every kind of file that
 * holds shell text (a Dockerfile heredoc, a Makefile recipe, a workflow `run:` block).
 * Deterministic: the same size gives the same files.
 */
import type { AdversarialKind } from "./adversarial.js";

const H = "0123456789abcdef".repeat(4);
const DL = "https://github.com/astral-sh/uv/releases/download/0.9.17";
const URL = `${DL}/uv-x86_64-unknown-linux-gnu.tar.gz`;
const ARCH_URL = `${DL}/uv-$arch-unknown-linux-gnu.tar.gz`;
const ZIP = `${DL}/uv-x86_64-pc-windows-msvc.zip`;
const GET = `curl -fsSLo uv.tgz ${URL}\n`;
const CHECK = `echo "${H}  uv.tgz" | sha256sum -c -\n`;

interface Shape {
  head: string;
  unit: (i: number) => string;
  tail: string;
}

/** The tracer's shapes, by name: a head, a unit repeated to the size, a tail. */
export const CHECKSUM_SHAPES: Readonly<Record<string, Shape>> = {
  "many checksum-check lines": { head: GET, unit: () => CHECK, tail: "" },
  "many download-and-check lines": {
    head: "",
    unit: () => `curl -fsSLo uv.tgz ${URL} && ${CHECK}`,
    tail: "",
  },
  "many checksum files written and checked": {
    head: GET,
    unit: () => `echo "${H}  uv.tgz" > uv.tgz.sha256\nsha256sum -c uv.tgz.sha256\n`,
    tail: "",
  },
  "many URL variables, each downloaded and checked": {
    head: "",
    unit: () => `URL=${URL}\ncurl -fsSLo uv.tgz "$URL"\n${CHECK}`,
    tail: "",
  },
  "many comparisons with a computed sum": {
    head: GET,
    unit: () => `actual=$(sha256sum uv.tgz | cut -d' ' -f1)\n[ "$actual" = "${H}" ]\n`,
    tail: "",
  },
  "many checks of one variable": {
    head: GET,
    unit: () => `S=${H}\necho "$S  uv.tgz" | sha256sum -c -\n`,
    tail: "",
  },
  "many variables": {
    head: GET,
    unit: (i) => `S${i}=${H}\n`,
    tail: `echo "$S0  uv.tgz" | sha256sum -c -\n`,
  },
  "many case arms": {
    head: 'arch=$(uname -m)\ncase "$arch" in\n',
    unit: (i) => `  a${i}) S=${H} ;;\n`,
    tail: `esac\ncurl -fsSLo uv.tgz ${ARCH_URL}\necho "$S  uv.tgz" | sha256sum -c -\n`,
  },
  "many case arms, each a download": {
    head: 'case "$arch" in\n',
    unit: (i) => `  a${i}) curl -fsSLo uv.tgz ${URL} ;;\n`,
    tail: `esac\n${CHECK}`,
  },
  "many if branches": {
    head: "",
    unit: (i) => `if [ "$arch" = a${i} ]; then S=${H}; fi\n`,
    tail: `curl -fsSLo uv.tgz ${ARCH_URL}\necho "$S  uv.tgz" | sha256sum -c -\n`,
  },
  "many associative-array entries": {
    head: "declare -A sums=(",
    unit: (i) => `[a${i}]=${H} `,
    tail: `)\narch=$(uname -m)\ncurl -fsSLo uv.tgz ${ARCH_URL}\necho "\${sums[$arch]}  uv.tgz" | sha256sum -c -\n`,
  },
  "many array entry assignments": {
    head: "arch=$(uname -m)\n",
    unit: (i) => `sums[a${i}]=${H}\n`,
    tail: `curl -fsSLo uv.tgz ${ARCH_URL}\necho "\${sums[$arch]}  uv.tgz" | sha256sum -c -\n`,
  },
  "array entries that never close": {
    head: `${GET}declare -A sums=(`,
    unit: (i) => `[a${i}]=(`,
    tail: `)\n${CHECK}`,
  },
  "a long here-string": {
    head: `${GET}sha256sum -c <<< "${H}  uv.tgz `,
    unit: () => "x ",
    tail: '"\n',
  },
  "many here-strings": { head: GET, unit: () => `sha256sum -c <<< "${H}  uv.tgz"\n`, tail: "" },
  "a long pipeline": {
    head: `${GET}echo "${H}  uv.tgz" `,
    unit: () => "| cat ",
    tail: "| sha256sum -c -\n",
  },
  "case/if nested deep": {
    head: "",
    unit: () => 'if [ "$a" = x ]; then\n',
    tail: `${GET}${CHECK}fi\n`,
  },
  "many PowerShell downloads, each hashed and compared": {
    head: "",
    unit: () =>
      `Invoke-WebRequest -Uri ${ZIP} -OutFile uv.zip\n$h = (Get-FileHash uv.zip -Algorithm SHA256).Hash\nif ($h -ne '${H}') { throw 'bad' }\n`,
    tail: "",
  },
  "Get-FileHash repeated on one line": {
    head: `Invoke-WebRequest -Uri ${ZIP} -OutFile uv.zip\n$h = `,
    unit: () => "(Get-FileHash uv.zip) ",
    tail: `\nif ($h -ne '${H}') { throw 'bad' }\n`,
  },
  ".DownloadFile( with a long argument": {
    head: `${ZIP}\n(New-Object Net.WebClient).DownloadFile(${ZIP}`,
    unit: () => " ",
    tail: "x)\nGet-FileHash uv.zip\n",
  },
  // The file-wide rule (src/core/checksum-ledger.ts): every hex value, check and checked file.
  "many checks of committed checksum files": {
    head: GET,
    unit: (i) => `sha256sum -c sums${i}.txt\n`,
    tail: "",
  },
  "check commands repeated on one line": { head: GET, unit: () => "sha256sum ", tail: "\n" },
  "hex values repeated on one line": { head: GET, unit: () => `${H} `, tail: "\n" },
  "many checks of other files": {
    head: GET,
    unit: (i) => `echo "${H}  tool${i}.tgz" | sha256sum -c -\n`,
    tail: "",
  },
  "many openssl and hashlib checks": {
    head: GET,
    unit: () => `openssl dgst -sha256 uv.tgz; python3 -c 'import hashlib'\n`,
    tail: "",
  },
};

/** The shape as a shell script of about `size` characters. */
function script(shape: Shape, size: number): string {
  let body = `#!/bin/sh\n${shape.head}`;
  for (let i = 0; body.length + shape.tail.length < size; i++) body += shape.unit(i);
  return body + shape.tail;
}

/** A shell script as the kind of file holds it. */
function wrap(kind: AdversarialKind, text: string): string {
  const lines = () => text.replace(/\n$/, "").split("\n");
  switch (kind) {
    case "dockerfile":
      return `FROM x\nRUN <<EOF\n${text}EOF\n`;
    case "make":
      return `uv.tgz:\n${lines()
        .map((l) => `\t${l.replaceAll("$", "$$")}`)
        .join("\n")}\n`;
    case "yaml":
      return `jobs:\n  a:\n    runs-on: x\n    steps:\n      - run: |\n${lines()
        .map((l) => `          ${l}`)
        .join("\n")}\n`;
    default:
      return text;
  }
}

/**
 * Dockerfile instructions (not a heredoc): a stage's RUNs and ADDs are traced together, a
 * download in one checked in a later one, with the text between them blanked line by line.
 */
export const DOCKERFILE_SHAPES: Readonly<Record<string, Shape>> = {
  "many RUNs, downloads and checks in turn": {
    head: "FROM x\n",
    unit: () => `RUN curl -fsSLo uv.tgz ${URL}\nRUN ${CHECK}`,
    tail: "",
  },
  "many instructions between a download and its check": {
    head: `FROM x\nRUN ${GET}`,
    unit: (i) => `ENV A${i}=1\n`,
    tail: `RUN ${CHECK}`,
  },
  "many ADDs of one file, then a check": {
    head: "FROM x\n",
    unit: () => `ADD ${URL} uv.tgz\n`,
    tail: `RUN ${CHECK}`,
  },
  "many stages, each a download and a check": {
    head: "",
    unit: (i) => `FROM x AS s${i}\nRUN ${GET}RUN ${CHECK}`,
    tail: "",
  },
};

/** Every shape, about `size` characters, as the kind of file holds it. */
export function checksumShapes(kind: AdversarialKind, size: number): [string, string][] {
  const out: [string, string][] = Object.entries(CHECKSUM_SHAPES).map(([name, shape]) => [
    name,
    wrap(kind, script(shape, size)),
  ]);
  if (kind === "dockerfile") {
    for (const [name, shape] of Object.entries(DOCKERFILE_SHAPES)) {
      let text = shape.head;
      for (let i = 0; text.length + shape.tail.length < size; i++) text += shape.unit(i);
      out.push([name, text + shape.tail]);
    }
  }
  return out;
}
