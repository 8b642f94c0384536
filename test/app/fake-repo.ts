/**
 * The fake GitHub's repository model (see fake-github.ts): real git objects (blobs with git's own
 * sha1, flat root trees, commits with the GitHub accounts linked as author and committer),
 * branches, pull requests, issues, comments, reactions, check runs and collaborator roles. Tests
 * change it directly to play the people around the app: `commit()` (a push), `closePull()`,
 * `mergePull()`, `openIssue()`, `addComment()`.
 */
import { createHash } from "node:crypto";

export const API = "https://api.github.com";

/** Ids and timestamps, from the fake GitHub that owns the repository. */
export interface Counter {
  nextId(): number;
  timestamp(): string;
}

export interface GitCommit {
  sha: string;
  tree: string;
  parents: string[];
  message: string;
  /** GitHub account logins linked to the commit (null: an e-mail GitHub links to nobody). */
  author: string | null;
  committer: string | null;
}

export interface FileEntry {
  mode: string;
  sha: string;
}
/** A root tree: every file path under it. */
export type Tree = Map<string, FileEntry>;

export interface FakePull {
  number: number;
  title: string;
  body: string;
  state: "open" | "closed";
  merged: boolean;
  mergedAt: string | null;
  closedAt: string | null;
  draft: boolean;
  headRef: string;
  /** The head sha when the PR was closed (an open PR follows its branch). */
  frozenHead: string | null;
  baseRef: string;
  user: string;
  labels: string[];
  assignees: string[];
  reviewers: string[];
  createdAt: string;
  updatedAt: string;
}

export interface FakeComment {
  id: number;
  issue: number;
  body: string;
  user: { login: string; type: "User" | "Bot" };
  createdAt: string;
}

export interface FakeIssue {
  number: number;
  title: string;
  body: string;
  user: string;
}

export interface CheckRun {
  id: number;
  name: string;
  head_sha: string;
  status: string;
  conclusion: string | null;
  output: { title: string; summary: string; text?: string };
}

export interface Reaction {
  commentId: number;
  content: string;
}

export interface RepoOptions {
  defaultBranch?: string;
  archived?: boolean;
  private?: boolean;
  /** No commits at all: the tree answers 409 "Git Repository is empty." */
  empty?: boolean;
  /** Files on the default branch (path → text); mode 100644. */
  files?: Record<string, string>;
  /** The recursive listing of a root tree says `truncated: true` and lists only some entries. */
  truncateTree?: boolean;
  /** Collaborator roles (login → admin|maintain|write|triage|read). */
  permissions?: Record<string, string>;
}

export class FakeRepo {
  readonly id: number;
  readonly owner: string;
  readonly name: string;
  defaultBranch: string;
  archived: boolean;
  private: boolean;
  truncateTree: boolean;
  readonly branches = new Map<string, string>();
  readonly commits = new Map<string, GitCommit>();
  readonly trees = new Map<string, Tree>();
  /** Subtree sha → its files (paths relative to it), for flat listings. */
  readonly subtrees = new Map<string, Tree>();
  readonly blobs = new Map<string, Buffer>();
  readonly pulls: FakePull[] = [];
  readonly issues: FakeIssue[] = [];
  readonly comments: FakeComment[] = [];
  readonly reactions: Reaction[] = [];
  readonly checkRuns: CheckRun[] = [];
  readonly permissions = new Map<string, string>();
  nextNumber = 1;

  constructor(
    private readonly github: Counter,
    id: number,
    owner: string,
    name: string,
    options: RepoOptions,
  ) {
    this.id = id;
    this.owner = owner;
    this.name = name;
    this.defaultBranch = options.defaultBranch ?? "main";
    this.archived = options.archived ?? false;
    this.private = options.private ?? false;
    this.truncateTree = options.truncateTree ?? false;
    for (const [login, role] of Object.entries(options.permissions ?? {}))
      this.permissions.set(login, role);
    if (!options.empty) {
      this.commit({
        branch: this.defaultBranch,
        files: options.files ?? { "README.md": "# test\n" },
        message: "initial commit",
        author: "octocat",
        parents: [],
      });
    }
  }

  get fullName(): string {
    return `${this.owner}/${this.name}`;
  }

  get htmlUrl(): string {
    return `https://github.com/${this.fullName}`;
  }

  /** The commit a branch points at (throws when there is no such branch). */
  head(branch = this.defaultBranch): GitCommit {
    const sha = this.branches.get(branch);
    const commit = sha ? this.commits.get(sha) : undefined;
    if (!commit) throw new Error(`${this.fullName}: no branch ${branch}`);
    return commit;
  }

  /** The text of `path` at a commit, branch or tree (null when missing). */
  file(path: string, at: string = this.defaultBranch): string | null {
    const tree = this.treeAt(at);
    const entry = tree?.get(path);
    return entry ? (this.blobs.get(entry.sha)?.toString("utf8") ?? null) : null;
  }

  /** Every file (path → text) at a commit, branch or tree. */
  files(at: string = this.defaultBranch): Record<string, string> {
    const tree = this.treeAt(at);
    const out: Record<string, string> = {};
    for (const [path, entry] of tree ?? [])
      out[path] = this.blobs.get(entry.sha)?.toString("utf8") ?? "";
    return out;
  }

  /**
   * A commit made outside the app (a person pushing, a merge on the default branch): `files`
   * change (null deletes) on top of the branch head, and the branch moves. Returns the commit.
   */
  commit(input: {
    branch: string;
    files: Record<string, string | null>;
    message?: string;
    author?: string | null;
    committer?: string | null;
    parents?: string[];
  }): GitCommit {
    const parents =
      input.parents ?? (this.branches.has(input.branch) ? [this.head(input.branch).sha] : []);
    const base = parents[0] ? this.commits.get(parents[0])?.tree : undefined;
    const tree = new Map(base ? this.trees.get(base) : undefined);
    for (const [path, text] of Object.entries(input.files)) {
      if (text === null) tree.delete(path);
      else tree.set(path, { mode: "100644", sha: this.putBlob(Buffer.from(text, "utf8")) });
    }
    const author = input.author === undefined ? "octocat" : input.author;
    const commit = this.putCommit({
      tree: this.putTree(tree),
      parents,
      message: input.message ?? "a commit",
      author,
      committer: input.committer === undefined ? author : input.committer,
    });
    this.branches.set(input.branch, commit.sha);
    return commit;
  }

  /** Opens an issue (numbers are shared with pull requests). */
  openIssue(title = "Please update uv", user = "octocat"): FakeIssue {
    const issue = { number: this.nextNumber++, title, body: "", user };
    this.issues.push(issue);
    return issue;
  }

  /** A comment written by someone other than the app (stored, so that it is listed). */
  addComment(issue: number, body: string, user = "octocat", type: "User" | "Bot" = "User") {
    const comment: FakeComment = {
      id: this.github.nextId(),
      issue,
      body,
      user: { login: user, type },
      createdAt: this.github.timestamp(),
    };
    this.comments.push(comment);
    return comment;
  }

  pull(number: number): FakePull {
    const pr = this.pulls.find((p) => p.number === number);
    if (!pr) throw new Error(`${this.fullName}: no pull request #${number}`);
    return pr;
  }

  /** The app's open pull requests (from any branch), newest first. */
  openPulls(): FakePull[] {
    return this.pulls.filter((p) => p.state === "open").reverse();
  }

  pullHead(pr: FakePull): string {
    if (pr.state === "open") return this.branches.get(pr.headRef) ?? pr.frozenHead ?? "";
    return pr.frozenHead ?? "";
  }

  /** Closes a pull request without merging (as a person would, in the UI). */
  closePull(number: number): FakePull {
    const pr = this.pull(number);
    pr.frozenHead = this.pullHead(pr);
    pr.state = "closed";
    pr.closedAt = this.github.timestamp();
    pr.updatedAt = pr.closedAt;
    return pr;
  }

  /** Merges a pull request (a merge commit on the base branch with the head's tree). */
  mergePull(number: number, merger = "octocat"): FakePull {
    const pr = this.pull(number);
    const head = this.pullHead(pr);
    const headTree = this.commits.get(head)?.tree as string;
    const merge = this.putCommit({
      tree: headTree,
      parents: [this.head(pr.baseRef).sha, head],
      message: `Merge pull request #${pr.number}`,
      author: merger,
      committer: "web-flow",
    });
    this.branches.set(pr.baseRef, merge.sha);
    pr.frozenHead = head;
    pr.state = "closed";
    pr.merged = true;
    pr.closedAt = this.github.timestamp();
    pr.mergedAt = pr.closedAt;
    pr.updatedAt = pr.closedAt;
    return pr;
  }

  /** Commits on `head` that are not on `base` (GitHub's PR commit list), oldest first. */
  commitsBetween(base: string, head: string): GitCommit[] {
    const onBase = new Set<string>();
    const stack = [base];
    while (stack.length) {
      const sha = stack.pop() as string;
      if (onBase.has(sha)) continue;
      onBase.add(sha);
      stack.push(...(this.commits.get(sha)?.parents ?? []));
    }
    const out: GitCommit[] = [];
    const seen = new Set<string>();
    const walk = [head];
    while (walk.length) {
      const sha = walk.pop() as string;
      if (onBase.has(sha) || seen.has(sha)) continue;
      seen.add(sha);
      const c = this.commits.get(sha);
      if (!c) continue;
      out.push(c);
      walk.push(...c.parents);
    }
    return out.reverse();
  }

  // --- git objects ---------------------------------------------------------------------------

  putBlob(bytes: Buffer): string {
    const sha = createHash("sha1")
      .update(Buffer.concat([Buffer.from(`blob ${bytes.length}\0`), bytes]))
      .digest("hex");
    this.blobs.set(sha, bytes);
    return sha;
  }

  putTree(tree: Tree): string {
    const sha = treeSha(tree);
    this.trees.set(sha, tree);
    return sha;
  }

  putCommit(c: Omit<GitCommit, "sha">): GitCommit {
    const sha = createHash("sha1")
      .update(JSON.stringify([c, this.github.nextId()]))
      .digest("hex");
    const commit = { sha, ...c };
    this.commits.set(sha, commit);
    return commit;
  }

  /** A root tree by tree sha, commit sha or branch name. */
  treeAt(ref: string): Tree | undefined {
    const direct = this.trees.get(ref) ?? this.subtrees.get(ref);
    if (direct) return direct;
    const sha = this.branches.get(ref) ?? ref;
    const commit = this.commits.get(sha);
    return commit ? this.trees.get(commit.tree) : undefined;
  }

  /** `GET /git/trees/{ref}` for a root tree, commit or branch, or a subtree. */
  listTree(ref: string, recursive: boolean) {
    const root = this.treeAt(ref);
    if (!root) return null;
    const sha = this.trees.has(ref) || this.subtrees.has(ref) ? ref : treeSha(root);
    const isRoot = this.trees.has(sha);
    const dirs = new Map<string, Tree>();
    const files: { path: string; entry: FileEntry }[] = [];
    for (const [path, entry] of root) {
      const parts = path.split("/");
      for (let i = 1; i < parts.length; i++) {
        const dir = parts.slice(0, i).join("/");
        const sub = dirs.get(dir) ?? new Map<string, FileEntry>();
        dirs.set(dir, sub);
        sub.set(parts.slice(i).join("/"), entry);
      }
      files.push({ path, entry });
    }
    const dirEntries = [...dirs].map(([path, sub]) => {
      const subSha = treeSha(sub);
      this.subtrees.set(subSha, sub);
      return { path, mode: "040000", type: "tree", sha: subSha };
    });
    const fileEntries = files.map(({ path, entry }) => ({
      path,
      mode: entry.mode,
      type: "blob",
      sha: entry.sha,
      size: this.blobs.get(entry.sha)?.length ?? 0,
    }));
    let tree = [...dirEntries, ...fileEntries].sort((a, b) => (a.path < b.path ? -1 : 1));
    if (!recursive) tree = tree.filter((e) => !e.path.includes("/"));
    let truncated = false;
    if (recursive && isRoot && this.truncateTree) {
      truncated = true;
      tree = tree.filter((e) => !e.path.includes("/"));
    }
    return { sha, url: `${API}/repos/${this.fullName}/git/trees/${sha}`, tree, truncated };
  }

  toJSON() {
    return repoJson(this);
  }
}

export function treeSha(tree: Tree): string {
  const entries = [...tree].sort(([a], [b]) => (a < b ? -1 : 1));
  return createHash("sha1").update(JSON.stringify(entries)).digest("hex");
}

export function repoJson(r: FakeRepo) {
  return {
    id: r.id,
    node_id: `R_${r.id}`,
    name: r.name,
    full_name: r.fullName,
    private: r.private,
    owner: { login: r.owner, id: 1000, type: "Organization" },
    html_url: r.htmlUrl,
    url: `${API}/repos/${r.fullName}`,
    default_branch: r.defaultBranch,
    archived: r.archived,
    fork: false,
  };
}
