/** Which files can hold uv pins, by path alone (the app filters a git tree with this). */

export type FileKind =
  | "dockerfile"
  | "shell"
  | "make"
  | "powershell"
  | "yaml"
  | "toml"
  | "requirements";

/** The last segment of a path (`/` or `\` separated), lower-cased. */
export function baseName(path: string): string {
  return path.slice(Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\")) + 1).toLowerCase();
}

/** The kind of file a path names, or null when it cannot hold a uv pin. */
export function fileKind(path: string): FileKind | null {
  const lower = baseName(path);
  // `Dockerfile.dockerignore` (and Podman's `.containerignore`) are ignore lists, not Dockerfiles.
  if (lower.endsWith(".dockerignore") || lower.endsWith(".containerignore")) return null;
  // uv-pin-bot's own configuration names images (`images: [{name, mirrorOf}]`); it pins nothing.
  if (lower === "uv-pin-bot.yml" && /(?:^|[\\/])\.github[\\/][^\\/]+$/.test(path)) return null;
  if (
    lower === "dockerfile" ||
    lower.startsWith("dockerfile.") ||
    lower.endsWith(".dockerfile") ||
    lower === "containerfile" ||
    lower.startsWith("containerfile.")
  ) {
    return "dockerfile";
  }
  if (/\.(sh|bash|zsh|ksh)$/.test(lower)) return "shell";
  if (lower === "makefile" || lower === "gnumakefile" || /\.(mk|make)$/.test(lower)) return "make";
  if (/\.(ps1|psm1)$/.test(lower)) return "powershell";
  if (/\.(ya?ml)$/.test(lower)) return "yaml";
  if (lower === "pyproject.toml" || lower === "uv.toml") return "toml";
  if (/requirements[\w.-]*\.(?:txt|in)$/.test(lower)) return "requirements";
  return null;
}
