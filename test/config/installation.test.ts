import { describe, expect, it } from 'vitest';
import { loadDaemonConfig } from '../../src/config/daemon.js';
import { derivedInstallation } from '../../src/config/installation.js';
import type { ConfigError } from '../../src/config/options.js';
import { installationProblem } from '../../src/model/installation.js';

describe('--installation', () => {
  it('is null unless given: the daemon then reads it from the database or derives it', () => {
    expect(loadDaemonConfig([], {}, '/srv').config.installation).toBeNull();
    expect(loadDaemonConfig(['--installation', 'mip-prod'], {}, '/srv').config.installation).toBe('mip-prod');
    expect(loadDaemonConfig([], { MARACKER_INSTALLATION: 'mip-staging' }, '/srv').config.installation).toBe('mip-staging');
  });

  it('refuses a name Marathon selectors could not take unescaped', () => {
    let problems: string[] = [];
    try {
      loadDaemonConfig(['--installation', 'mip prod'], {}, '/srv');
    } catch (err) {
      problems = (err as ConfigError).problems;
    }
    expect(problems).toEqual([
      '--installation: expected 1 to 63 letters, digits, "-", "_" or "." (starting and ending with a letter or digit), got "mip prod"',
    ]);
  });
});

describe('the derived installation (no option, no database)', () => {
  it('is a valid name, the same for the same folder and Marathon wherever it is computed', () => {
    const a = derivedInstallation('/srv/manifests', 'http://marathon.mesos:8080');
    expect(a).toEqual({ name: expect.stringMatching(/^auto-[0-9a-f]{12}$/), origin: 'derived' });
    expect(installationProblem(a.name)).toBeUndefined();
    expect(derivedInstallation('/srv/./manifests/', 'HTTP://Marathon.mesos:8080/')).toEqual(a);
    // `maracker plan` run in the same folder names the same installation as the daemon.
    expect(loadDaemonConfig(['--manifests', 'manifests', '--marathon', 'http://marathon.mesos:8080'], {}, '/srv').config.manifests).toBe('/srv/manifests');
  });

  it('differs for another folder or another Marathon URL', () => {
    const a = derivedInstallation('/srv/manifests', 'http://marathon.mesos:8080').name;
    expect(derivedInstallation('/srv/team-b/manifests', 'http://marathon.mesos:8080').name).not.toBe(a);
    expect(derivedInstallation('/srv/manifests', 'http://10.0.0.5:8080').name).not.toBe(a);
  });
});

describe('derivedInstallation for a git source', () => {
  it('takes the remote URL as written: the name does not change with the directory the daemon starts from', () => {
    const url = 'https://git.example.org/platform/manifests.git';
    const here = derivedInstallation(url, 'http://marathon.mesos:8080').name;
    const cwd = process.cwd();
    try {
      process.chdir('/');
      expect(derivedInstallation(url, 'http://marathon.mesos:8080').name).toBe(here);
      expect(derivedInstallation('git@git.example.org:platform/m.git', 'http://marathon.mesos:8080').name).not.toBe(here);
    } finally {
      process.chdir(cwd);
    }
  });
});
