import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Serializer } from '../contracts/index.js';
import { ErrorCodes, TqError } from '../errors/index.js';
import { type AuthSerializer, createAuthSerializer } from './auth-serializer.js';
import { parseCertificates, type SignerCertificate } from './certificate.js';

/** Celery's security settings as file paths: security_key, security_certificate, security_cert_store, security_digest. */
export interface AuthSerializerFiles {
  keyFile?: string;
  keyPassword?: string;
  certificateFile?: string;
  /** A directory (every file in it), a file (every certificate in it), or a pattern with `*`/`?` in its last part (`/etc/certs/*.pem`). */
  certStore: string;
  digest?: string;
  inner?: Serializer;
  decoders?: readonly Serializer[];
}

/** createAuthSerializer from files, as Celery's `app.setup_security()` reads them. Reads synchronously (startup). */
export function authSerializerFromFiles(files: AuthSerializerFiles): AuthSerializer {
  return createAuthSerializer({
    key: files.keyFile === undefined ? undefined : readConfigFile(files.keyFile, 'security key'),
    keyPassword: files.keyPassword,
    certificate: files.certificateFile === undefined ? undefined : readConfigFile(files.certificateFile, 'security certificate'),
    trustedCertificates: readCertificateStore(files.certStore),
    digest: files.digest,
    inner: files.inner,
    decoders: files.decoders,
  });
}

/**
 * The certificates at a path, as Celery's FSCertStore finds them (a directory means every file in it). Unlike
 * Celery, an expired certificate does not stop startup; messages it signed are refused instead, so an old
 * certificate left behind after a rotation is harmless. TQ_INVALID_CONFIG when nothing is found or a file is no
 * certificate.
 */
export function readCertificateStore(path: string): SignerCertificate[] {
  const files = matchFiles(path);
  if (files.length === 0) throw new TqError(ErrorCodes.INVALID_CONFIG, `no certificate files at ${path}`);
  return files.flatMap((file) => {
    try {
      return parseCertificates(readConfigFile(file, 'certificate'));
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new TqError(ErrorCodes.INVALID_CONFIG, `${file}: ${reason}`, { cause: error });
    }
  });
}

function matchFiles(path: string): string[] {
  if (isDirectory(path)) return listFiles(path, () => true);
  const pattern = basename(path);
  if (!/[*?]/.test(pattern)) return [path];
  const regex = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
  return listFiles(dirname(path), (name) => regex.test(name));
}

function listFiles(dir: string, keep: (name: string) => boolean): string[] {
  try {
    return readdirSync(dir)
      .filter((name) => !name.startsWith('.') && keep(name))
      .map((name) => join(dir, name))
      .filter((file) => !isDirectory(file))
      .sort();
  } catch (error) {
    throw new TqError(ErrorCodes.INVALID_CONFIG, `cannot list certificate directory ${dir}`, { cause: error });
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function readConfigFile(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new TqError(ErrorCodes.INVALID_CONFIG, `cannot read ${what} ${path}: ${reason}`, { cause: error });
  }
}
