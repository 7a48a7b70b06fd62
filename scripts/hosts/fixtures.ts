/**
 * The accounts and sshd settings every test host carries, as POSIX shell run as root on
 * (or chrooted into) the host. Both scripts are idempotent.
 *
 * @module
 */

import { TEST_USERS } from "./test_host.ts";

const { nopasswd, withPassword } = TEST_USERS;

/**
 * Shell that creates the test users (`alice`: group sudo, sudo asks her password; `bob`:
 * NOPASSWD sudo), sets their passwords, lets sshd accept passwords and keys, and keeps
 * logind from stopping user managers between logins.
 * Needs useradd, chpasswd, sudo and openssh-server on the host.
 */
export function accountsScript(): string {
  const a = withPassword.user, b = nopasswd.user;
  return `set -e
id ${a} >/dev/null 2>&1 || useradd --create-home --shell /bin/bash ${a}
id ${b} >/dev/null 2>&1 || useradd --create-home --shell /bin/bash ${b}
usermod -a -G sudo ${a}
printf '%s\\n' '${a}:${withPassword.password}' '${b}:${nopasswd.password}' | chpasswd
printf '%s\\n' '${b} ALL=(ALL:ALL) NOPASSWD: ALL' >/etc/sudoers.d/hostkit-test
chmod 0440 /etc/sudoers.d/hostkit-test
mkdir -p /etc/ssh/sshd_config.d
printf '%s\\n' 'PasswordAuthentication yes' 'PubkeyAuthentication yes' \\
  'PermitRootLogin prohibit-password' >/etc/ssh/sshd_config.d/10-hostkit-test.conf
# A login arriving while logind stops the user's manager (10 s after the last session) waits
# for that stop, which in a container can hang ~2 min on "processes still around after final
# SIGKILL": the new session's sshd answers nothing meanwhile (seen as "Keepalive timeout").
# Keep user managers running instead.
mkdir -p /etc/systemd/logind.conf.d
printf '%s\n' '[Login]' 'UserStopDelaySec=infinity' >/etc/systemd/logind.conf.d/10-hostkit-test.conf
`;
}

/** Shell that makes `publicKey` the only authorized key of root and both test users. */
export function authorizedKeysScript(publicKey: string): string {
  if (/['\n]/.test(publicKey.trim())) throw new Error("public key must be one line without quotes");
  const users = ["root", withPassword.user, nopasswd.user].join(" ");
  return `set -e
for u in ${users}; do
  home=$(getent passwd "$u" | cut -d: -f6)
  mkdir -p "$home/.ssh"
  printf '%s\\n' '${publicKey.trim()}' >"$home/.ssh/authorized_keys"
  chmod 700 "$home/.ssh"; chmod 600 "$home/.ssh/authorized_keys"
  chown -R "$u:" "$home/.ssh"
done
`;
}
