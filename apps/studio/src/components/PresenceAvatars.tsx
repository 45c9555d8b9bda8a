import type { PresenceMember } from '@syncline/protocol';
import { initials, userColor } from '../lib/colors.js';

/** Everyone in the document: one avatar per user, with a count of their tabs and devices. */
export function PresenceAvatars({ users, selfId }: { users: readonly PresenceMember[]; selfId: string }) {
  const sorted = [...users].sort((a, b) => (a.userId === selfId ? -1 : b.userId === selfId ? 1 : 0));
  return (
    <ul className="avatars" aria-label={`${users.length} ${users.length === 1 ? 'person' : 'people'} here`}>
      {sorted.map((u) => {
        const name = u.userName ?? u.userId;
        const label = `${name}${u.userId === selfId ? ' (you)' : ''}${u.connections > 1 ? `, ${u.connections} devices` : ''}`;
        return (
          <li
            key={u.userId}
            className="avatar"
            style={{ background: userColor(u.userId) }}
            title={label}
            aria-label={label}
            data-user-id={u.userId}
          >
            {initials(name)}
            {u.connections > 1 && <span className="device-count">{u.connections}</span>}
          </li>
        );
      })}
    </ul>
  );
}
