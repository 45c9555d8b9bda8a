'use client';
import type { ReactNode } from 'react';
import type { CollaborationUser } from '../use-collaboration.js';
import { initials } from '../user-color.js';

export interface UserPresenceProps {
  users: readonly CollaborationUser[];
  className?: string;
  /** Most avatars shown; the rest are counted in a "+N". Default 8. */
  max?: number;
}

/**
 * One avatar per user (initials or picture, in the user's colour), with a badge counting their connections when
 * they have several: "Ann, in 2 tabs or devices". A connection is a tab (or window) as much as a device, and the
 * server cannot tell two tabs of one browser from two computers, so the label names both. An idle user (away:
 * every tab of theirs hidden or untouched for a while) is marked `data-status="idle"` and says so in the label,
 * for the stylesheet to fade.
 */
export function UserPresence({ users, className, max = 8 }: UserPresenceProps): ReactNode {
  const shown = users.slice(0, max);
  const more = users.length - shown.length;
  return (
    <ul
      className={['syncline-presence', className].filter(Boolean).join(' ')}
      aria-label={`${users.length} ${users.length === 1 ? 'person' : 'people'} here`}
    >
      {shown.map((u) => {
        const devices = u.connections > 1 ? `, in ${u.connections} tabs or devices` : '';
        const idle = u.status === 'idle';
        const label = `${u.name}${u.isSelf ? ' (you)' : ''}${devices}${idle ? ', idle' : ''}`;
        return (
          <li
            key={u.userId}
            className="syncline-presence__user"
            data-user-id={u.userId}
            data-self={u.isSelf || undefined}
            data-status={idle ? 'idle' : undefined}
            title={label}
            aria-label={label}
            style={{ '--syncline-user-color': u.color } as React.CSSProperties}
          >
            {u.avatar ? (
              <img className="syncline-presence__avatar" src={u.avatar} alt="" />
            ) : (
              <span className="syncline-presence__avatar" aria-hidden="true">
                {initials(u.name)}
              </span>
            )}
            {u.connections > 1 && (
              <span className="syncline-presence__devices" aria-hidden="true">
                {u.connections}
              </span>
            )}
          </li>
        );
      })}
      {more > 0 && (
        <li className="syncline-presence__more" aria-label={`${more} more`}>
          +{more}
        </li>
      )}
    </ul>
  );
}
