/**
 * Accounts against a real host: a system account whose primary and supplementary groups already
 * exist is created (the groups are reused, not re-added), re-plans clean, and a group added later
 * is appended with usermod, keeping the groups the account already had.
 */
import assert from "node:assert/strict";
import { sshExec, testHosts } from "./hosts.ts";
import { hostkit, writeConfig } from "./hostkit.ts";

const [host] = await testHosts();
const unique = () => crypto.randomUUID().slice(0, 8);

async function root(command: string): Promise<string> {
  const r = await sshExec(host, "root", command);
  assert.equal(r.code, 0, `${command}: ${r.stderr}`);
  return r.stdout.trim();
}

/** A service declaring one system account in `www-data` with supplementary `groups`. */
function accountConfig(name: string, groups: string[], home?: string): Promise<string> {
  const options = { system: true, group: "www-data", groups, ...(home ? { home } : {}) };
  return writeConfig(
    host,
    `
  p.service("svc", (s) => {
    s.account(${JSON.stringify(name)}, ${JSON.stringify(options)});
  });`,
  );
}

const sorted = (words: string) => words.split(/\s+/).filter(Boolean).sort();

Deno.test("account: a system account in existing groups applies, re-plans noop; an added group is appended with usermod", async () => {
  const name = `hk-acct-${unique()}`;
  // Debian has both groups; another image may lack www-data: the scenario needs it to exist.
  await root("getent group www-data >/dev/null || groupadd --system www-data");
  await root("getent group adm >/dev/null && getent group staff >/dev/null");
  const gids = await root("getent group www-data adm staff | cut -d: -f1,3 | sort");
  try {
    const first = await accountConfig(name, ["adm"]);
    const created = await hostkit(["apply", first, "--host", "it", "--confirm"]);
    assert.equal(created.code, 0, created.stdout + created.stderr);
    assert.match(created.stdout, new RegExp(`\\+ account:${name} \\(missing\\)`));
    assert.equal(await root(`id -gn ${name}`), "www-data");
    assert.deepEqual(sorted(await root(`id -Gn ${name}`)), ["adm", "www-data"]);
    const uid = Number(await root(`id -u ${name}`));
    assert.ok(uid < 1000, `a system uid, got ${uid}`);
    assert.equal(
      await root("getent group www-data adm staff | cut -d: -f1,3 | sort"),
      gids,
      "the existing groups were reused, not recreated",
    );

    const again = await hostkit(["plan", first, "--host", "it", "--detailed-exitcode"]);
    assert.equal(again.code, 0, again.stdout + again.stderr);
    assert.match(again.stdout, /0 to create, 0 to update, 0 to delete, 1 unchanged/);

    // A group granted outside hostkit stays when the config adds another.
    await root(`usermod -aG users ${name}`);
    const second = await accountConfig(name, ["adm", "staff"]);
    const dry = await hostkit(["apply", second, "--host", "it", "--dry-run"]);
    assert.equal(dry.code, 0, dry.stdout + dry.stderr);
    assert.match(dry.stdout, new RegExp(`usermod .*--append --groups adm,staff ${name}`));
    assert.doesNotMatch(dry.stdout, /useradd/);

    const updated = await hostkit(["apply", second, "--host", "it", "--confirm"]);
    assert.equal(updated.code, 0, updated.stdout + updated.stderr);
    assert.match(updated.stdout, new RegExp(`~ account:${name} \\(groups\\)`));
    assert.equal(await root(`id -gn ${name}`), "www-data");
    assert.deepEqual(sorted(await root(`id -Gn ${name}`)), ["adm", "staff", "users", "www-data"]);
    assert.equal(Number(await root(`id -u ${name}`)), uid, "the same account, updated in place");

    const clean = await hostkit(["plan", second, "--host", "it", "--detailed-exitcode"]);
    assert.equal(clean.code, 0, clean.stdout + clean.stderr);
    assert.match(clean.stdout, /0 to create, 0 to update, 0 to delete, 1 unchanged/);
  } finally {
    await sshExec(host, "root", `userdel ${name}`);
  }
});

Deno.test({
  name: "account: adding a group to an account that declares its home updates it",
  // Regression (fixed): src/apply/program.ts accountCommand() (line 109) passes `--home-dir HOME` to usermod as
  // well as to useradd, but usermod only knows `-d`/`--home` ("usermod: unrecognized option
  // '--home-dir'"): every update (and every down-plan restore) of an account with a declared
  // `home` fails. Fix: push `"-d", quote(r.home)` (valid for both) or `--home` for usermod.
  async fn() {
    const name = `hk-home-${unique()}`;
    const home = `/var/lib/${name}`;
    try {
      const created = await hostkit([
        "apply",
        await accountConfig(name, ["adm"], home),
        "--host",
        "it",
        "--confirm",
      ]);
      assert.equal(created.code, 0, created.stdout + created.stderr);
      assert.equal(await root(`getent passwd ${name} | cut -d: -f6`), home);
      const updated = await hostkit([
        "apply",
        await accountConfig(name, ["adm", "staff"], home),
        "--host",
        "it",
        "--confirm",
      ]);
      assert.equal(updated.code, 0, updated.stdout + updated.stderr);
      assert.deepEqual(sorted(await root(`id -Gn ${name}`)), ["adm", "staff", "www-data"]);
      assert.equal(await root(`getent passwd ${name} | cut -d: -f6`), home);
    } finally {
      await sshExec(host, "root", `userdel ${name}; rm -rf ${home}`);
    }
  },
});
