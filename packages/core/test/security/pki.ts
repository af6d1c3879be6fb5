import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Throwaway keys and certificates for the security tests, made with the `openssl` command in a temp directory
 * (nothing private is committed). Each identity is a self-signed RSA certificate, so its issuer is its subject.
 */
export interface TestIdentity {
  name: string;
  keyFile: string;
  certFile: string;
  key: string;
  certificate: string;
}

export interface IdentityOptions {
  /** OpenSSL subject, default `/C=US/O=tq tests/CN=<name>`. */
  subject?: string;
  /** `-newkey` argument, default `rsa:2048`. */
  newKey?: string;
  /** Validity as `YYYYMMDDHHMMSSZ` pairs (makes an already expired certificate possible). */
  validity?: { start: string; end: string };
  serial?: string;
}

export class TestPki {
  readonly dir = mkdtempSync(join(tmpdir(), 'tq-security-'));

  identity(name: string, options: IdentityOptions = {}): TestIdentity {
    const keyFile = join(this.dir, `${name}.key`);
    const certFile = join(this.dir, `${name}.pem`);
    const subject = options.subject ?? `/C=US/O=tq tests/CN=${name}`;
    const newKey = options.newKey ?? 'rsa:2048';
    const keyArgs = newKey.startsWith('ec') ? ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'] : ['-newkey', newKey];
    if (options.validity) {
      this.#signWithDates(name, keyArgs, subject, options.validity, options.serial ?? '01');
    } else {
      const serial = options.serial ? ['-set_serial', options.serial] : [];
      openssl(['req', '-utf8', '-x509', ...keyArgs, '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '2', '-subj', subject, ...serial], this.dir);
    }
    return { name, keyFile, certFile, key: readFileSync(keyFile, 'utf8'), certificate: readFileSync(certFile, 'utf8') };
  }

  /** `openssl req -x509` cannot backdate, `openssl ca -selfsign` can. */
  #signWithDates(name: string, keyArgs: string[], subject: string, validity: { start: string; end: string }, serial: string) {
    const caDir = join(this.dir, `${name}-ca`);
    mkdirSync(caDir);
    writeFileSync(join(caDir, 'index.txt'), '');
    writeFileSync(join(caDir, 'serial'), `${serial}\n`);
    writeFileSync(
      join(caDir, 'ca.cnf'),
      '[ca]\ndefault_ca = test\n[test]\ndatabase = index.txt\nnew_certs_dir = .\nserial = serial\ndefault_md = sha256\npolicy = any\nemail_in_dn = no\n[any]\ncommonName = supplied\norganizationName = optional\ncountryName = optional\n',
    );
    openssl(['req', '-utf8', '-new', ...keyArgs, '-nodes', '-keyout', join(this.dir, `${name}.key`), '-out', join(caDir, 'req.csr'), '-subj', subject], caDir);
    openssl(
      ['ca', '-batch', '-config', 'ca.cnf', '-selfsign', '-keyfile', join(this.dir, `${name}.key`), '-in', 'req.csr', '-out', join(this.dir, `${name}.pem`), '-startdate', validity.start, '-enddate', validity.end, '-notext'],
      caDir,
    );
  }

  close(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}
