/**
 * The usage texts of every subcommand, in a module that imports nothing: `omendb --help` and a
 * usage error print them without loading any command (the server alone is most of the start-up).
 */

export const usersUsage = `omendb users add NAME --role admin|writer|reader|monitor --data DIR
omendb users passwd NAME --data DIR
omendb users remove NAME --data DIR
omendb users list --data DIR
Passwords come from OMENDB_USER_PASSWORD, the first line of stdin, or a prompt; never from the command line.`;

export const backupUsage = `omendb backup --data DIR --out OUT     (offline: the server must be stopped)
omendb backup --url URL --out OUT      (online; credentials from OMENDB_USER + OMENDB_PASSWORD or
                                        OMENDB_TOKEN, an https CA from OMENDB_CA; never the command line)`;

export const restoreUsage = `omendb restore --from BACKUP --data NEWDIR   (NEWDIR new or empty; the backup is verified first)`;
