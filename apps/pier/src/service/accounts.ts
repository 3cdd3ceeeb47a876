/** Lines of /etc/passwd and /etc/group, read without getent so the service code is testable. */
export interface Account {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

export interface Group {
  name: string;
  gid: number;
}

export function parsePasswd(text: string): Account[] {
  return text.split("\n").flatMap((line) => {
    const [name, , uid, gid, , home] = line.split(":");
    if (!name || uid === undefined || gid === undefined || line.startsWith("#")) return [];
    return [{ name, uid: Number(uid), gid: Number(gid), home: home ?? "" }];
  });
}

export function parseGroups(text: string): Group[] {
  return text.split("\n").flatMap((line) => {
    const [name, , gid] = line.split(":");
    if (!name || gid === undefined || line.startsWith("#")) return [];
    return [{ name, gid: Number(gid) }];
  });
}

/**
 * The group pier's service needs to reach the Docker socket: the socket's own group when it
 * exists (and is not root's), else a group named docker (the Engine is installed but not started).
 */
export function dockerSocketGroup(groups: Group[], socketGid: number | undefined): string | undefined {
  if (socketGid !== undefined && socketGid !== 0) return groups.find((g) => g.gid === socketGid)?.name;
  if (socketGid === undefined) return groups.find((g) => g.name === "docker")?.name;
  return undefined;
}
