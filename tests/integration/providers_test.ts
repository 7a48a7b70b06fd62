/**
 * Providers on real hosts: a service behind a Caddy site answers through Caddy
 * on port 80; changing the site reloads caddy (same main PID); a broken
 * directive is refused with caddy's own message while the old site keeps
 * serving; `down --last` restores the previous site. The user-style nginx
 * provider serves through nginx; a failing `validate` leaves the old file; a
 * handler whose apply stopped is pending in the next plan and runs on the next
 * apply. Caddy and nginx run on separate hosts (both bind :80).
 */
import assert from "node:assert/strict";
import { sshExec, testHosts } from "./hosts.ts";
import { hostkit, writeConfig } from "./hostkit.ts";

const [caddyHost, nginxHost] = await testHosts();

async function on(host: typeof caddyHost, command: string): Promise<string> {
  const r = await sshExec(host, "root", command);
  assert.equal(r.code, 0, `${command}: ${r.stderr}`);
  return r.stdout.trim();
}

/**
 * GET until the answer matches `wanted` (bounded by count): nginx's reload returns once the
 * master got its signal, and the new workers take over a moment later.
 */
async function getUntil(
  address: string,
  hostHeader: string,
  wanted: (r: { code: number; body: string }) => boolean,
): Promise<{ code: number; body: string; headers: string }> {
  let last = await get(address, hostHeader);
  for (let i = 0; i < 100 && !wanted(last); i++) {
    await new Promise((done) => setTimeout(done, 100));
    last = await get(address, hostHeader);
  }
  return last;
}

async function get(
  address: string,
  hostHeader: string,
): Promise<{ code: number; body: string; headers: string }> {
  const out = await new Deno.Command("curl", {
    args: ["-s", "-i", "--max-time", "10", "-H", `Host: ${hostHeader}`, `http://${address}/`],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  const [head, ...rest] = text.split("\r\n\r\n");
  const code = Number(/^HTTP\/\S+ (\d+)/.exec(head)?.[1] ?? 0);
  return { code, body: rest.join("\r\n\r\n"), headers: head };
}

function caddyConfig(site: string): Promise<string> {
  return writeConfig(
    caddyHost,
    `
  p.service("app", (s) => {
    s.package("caddy", { as: "caddy", rollback: "keep" });
    s.daemon("it-app.service", (d) => {
      d.listen("http", { port: 4000, on: "loopback" });
      d.execStart(["/usr/bin/caddy", "respond", "--listen", "127.0.0.1:4000", "--body", "hello from app"]);
      d.wantedBy("multi_user");
    });
    s.caddySite("app", "http://app.test", { path: "app.caddy" }, (site) => {
      site.reverseProxy(s.listener("http"));
      ${site}
    });
  });`,
    {
      imports: 'import { caddy } from "hostkit/providers/caddy";',
      projectOptions: "{ providers: [caddy] }",
    },
  );
}

Deno.test("caddy: a service behind a site, reloads in place, refuses a broken site, rolls back", async () => {
  const first = await caddyConfig("");
  const up = await hostkit(["apply", first, "--host", "it", "--confirm", "--track"]);
  assert.equal(up.code, 0, up.stdout + up.stderr);
  assert.match(up.stdout + up.stderr, /notify: reload caddy\.service/);
  const served = await get(caddyHost.address, "app.test");
  assert.equal(served.code, 200, served.headers);
  assert.equal(served.body, "hello from app");
  const main = await on(caddyHost, "cat /etc/caddy/Caddyfile");
  assert.match(main, /^import \/etc\/caddy\/sites\/\*\.caddy$/m, "one import line");
  assert.match(main, /:80 \{/, "the rest of the main Caddyfile stays");
  const clean = await hostkit(["plan", first, "--host", "it", "--detailed-exitcode"]);
  assert.equal(clean.code, 0, clean.stdout);

  const pid = await on(caddyHost, "systemctl show -p MainPID --value caddy.service");
  const second = await caddyConfig(`site.header("X-Hostkit", "v2");`);
  const changed = await hostkit(["apply", second, "--host", "it", "--confirm", "--track"]);
  assert.equal(changed.code, 0, changed.stdout + changed.stderr);
  assert.equal(
    await on(caddyHost, "systemctl show -p MainPID --value caddy.service"),
    pid,
    "caddy was reloaded, not restarted",
  );
  assert.match((await get(caddyHost.address, "app.test")).headers, /X-Hostkit: v2/i);

  const before = await on(caddyHost, "sha256sum /etc/caddy/sites/app.caddy");
  const broken = await caddyConfig(`site.directive("no_such_directive on");`);
  const refused = await hostkit(["apply", broken, "--host", "it", "--confirm"]);
  assert.equal(refused.code, 3, refused.stdout + refused.stderr);
  assert.match(refused.stderr, /no_such_directive/, "caddy's own message is shown");
  assert.equal(await on(caddyHost, "sha256sum /etc/caddy/sites/app.caddy"), before);
  assert.equal(
    await on(caddyHost, "ls -a /etc/caddy/sites | grep -c hostkit || true"),
    "0",
    "nothing staged is left",
  );
  const still = await get(caddyHost.address, "app.test");
  assert.equal(still.body, "hello from app");
  assert.match(still.headers, /X-Hostkit: v2/i, "the old site keeps serving");

  const down = await hostkit([
    "down",
    second,
    "--host",
    "it",
    "--last",
    "--out",
    `${second}.down.json`,
  ]);
  assert.equal(down.code, 0, down.stdout + down.stderr);
  const restored = await hostkit(["apply", "--plan", `${second}.down.json`, second, "--confirm"]);
  assert.equal(restored.code, 0, restored.stdout + restored.stderr);
  const back = await get(caddyHost.address, "app.test");
  assert.equal(back.body, "hello from app");
  assert.doesNotMatch(back.headers, /X-Hostkit/i, "the previous site is back (and caddy reloaded)");
});

const NGINX_PROVIDER = await Deno.readTextFile(
  new URL("../../examples/providers/nginx_site.ts", import.meta.url),
);

function nginxConfig(body: string): Promise<string> {
  return writeConfig(nginxHost, body, {
    imports: 'import { nginxSite } from "./nginx_site.ts";',
    projectOptions: "{ providers: [nginxSite] }",
    files: { "nginx_site.ts": NGINX_PROVIDER },
  });
}

Deno.test("nginx: the user-style provider serves; a failing validate keeps the old file", async () => {
  const site = `
  p.service("shop", (s) => {
    s.package("nginx", { as: "nginx", rollback: "keep" });
    s.file("/var/www/shop/index.html", { content: "hello from shop\\n" });
    s.nginxSite("shop.test", { root: "/var/www/shop" });
  });`;
  const config = await nginxConfig(site);
  const up = await hostkit(["apply", config, "--host", "it", "--confirm"]);
  assert.equal(up.code, 0, up.stdout + up.stderr);
  const served = await getUntil(
    nginxHost.address,
    "shop.test",
    (r) => r.body === "hello from shop\n",
  );
  assert.equal(served.code, 200, served.headers);
  assert.equal(served.body, "hello from shop\n");

  const before = await on(nginxHost, "cat /etc/nginx/sites-enabled/shop.conf");
  const broken = await nginxConfig(`${site}
  p.service("extra", (s) => {
    s.file("/etc/nginx/sites-enabled/extra.conf", {
      content: "server { listen 80; server_name extra.test; no_such_directive on; }\\n",
      validate: "nginx -t",
      notify: { reload: ["nginx.service"] },
    });
  });`);
  const refused = await hostkit(["apply", broken, "--host", "it", "--confirm"]);
  assert.equal(refused.code, 3, refused.stdout + refused.stderr);
  assert.match(refused.stderr, /unknown directive "no_such_directive"/, "nginx -t's own message");
  assert.equal(
    (await sshExec(nginxHost, "root", "test -e /etc/nginx/sites-enabled/extra.conf")).code,
    1,
    "the broken file was never put in place",
  );
  assert.equal(await on(nginxHost, "cat /etc/nginx/sites-enabled/shop.conf"), before);
  assert.equal((await get(nginxHost.address, "shop.test")).body, "hello from shop\n");
});

Deno.test("nginx: a handler whose apply stopped is pending in the next plan and runs next time", async () => {
  const config = await nginxConfig(`
  p.service("shop", (s) => {
    s.package("nginx", { as: "nginx", rollback: "keep" });
    s.file("/var/www/shop/index.html", { content: "second version\\n" });
    s.nginxSite("shop.test", { root: "/var/www/shop", listen: 80 });
    s.file("/etc/nginx/conf.d/it-pending.conf", {
      content: "# changed\\n",
      notify: { reload: ["nginx.service"] },
    });
    s.command("fail-later", { exec: ["/bin/false"], phase: "after_start" });
  });`);
  const failed = await hostkit(["apply", config, "--host", "it", "--confirm"]);
  assert.equal(failed.code, 3, failed.stdout + failed.stderr);
  assert.match(failed.stderr, /FAILED at "run fail-later"/);
  const pending = await hostkit(["plan", config, "--host", "it"]);
  assert.match(pending.stdout, /~ pending reload nginx\.service/, pending.stdout);

  const reloads = async () =>
    Number(
      await on(
        nginxHost,
        "journalctl -u nginx.service -o cat | grep -c 'Reloaded\\|Reloading' || true",
      ),
    );
  const reloadsBefore = await reloads();
  const config2 = await nginxConfig(`
  p.service("shop", (s) => {
    s.package("nginx", { as: "nginx", rollback: "keep" });
    s.file("/var/www/shop/index.html", { content: "second version\\n" });
    s.nginxSite("shop.test", { root: "/var/www/shop", listen: 80 });
    s.file("/etc/nginx/conf.d/it-pending.conf", {
      content: "# changed\\n",
      notify: { reload: ["nginx.service"] },
    });
  });`);
  const retried = await hostkit(["apply", config2, "--host", "it", "--confirm"]);
  assert.equal(retried.code, 0, retried.stdout + retried.stderr);
  assert.ok((await reloads()) > reloadsBefore, "the pending reload ran");
  const clean = await hostkit(["plan", config2, "--host", "it", "--detailed-exitcode"]);
  assert.equal(clean.code, 0, clean.stdout);
  assert.doesNotMatch(clean.stdout, /pending/);
});
