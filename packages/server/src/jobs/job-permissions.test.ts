import { describe, expect, it } from 'vitest';
import type { Identity } from '../core/identity.js';
import { jobPermissions } from './job-permissions.js';

const user = (userId: string, roles: string[] = []): Identity => ({ userId, roles, claims: {} });
const job = { ownerId: 'olga' };

describe('jobPermissions', () => {
  it('lets the job owner, the document owner and admins cancel and retry', () => {
    expect(jobPermissions(user('olga'), job, 'dora')).toEqual({ cancel: true, retry: true });
    expect(jobPermissions(user('dora'), job, 'dora')).toEqual({ cancel: true, retry: true });
    expect(jobPermissions(user('ada', ['admin']), job, 'dora')).toEqual({ cancel: true, retry: true });
  });

  it('lets nobody else, however they follow the document', () => {
    expect(jobPermissions(user('ben'), job, 'dora')).toEqual({ cancel: false, retry: false });
    expect(jobPermissions(user('ben', ['editor']), job, undefined)).toEqual({ cancel: false, retry: false });
  });
});
