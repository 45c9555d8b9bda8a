import type { Disposer, DocumentClientOptions, SynclineClient } from '@syncline/client';
import { DocumentLeases } from './document-leases.js';
import type { NotificationCenter } from './notification-center.js';
import { RoomLeases } from './room-leases.js';

/** Maintenance as the server last announced it. */
export interface MaintenanceState {
  readonly enabled: boolean;
  readonly message?: string;
}

const NO_MAINTENANCE: MaintenanceState = Object.freeze({ enabled: false });

/**
 * What a provider owns for one client: its room memberships (counted with those of other providers of the same
 * client), shared document clients, and the client's maintenance announcements and errors forwarded to the
 * notifications.
 */
export class SynclineRuntime {
  readonly rooms: RoomLeases;
  readonly docs: DocumentLeases;
  private maintenanceState: MaintenanceState = NO_MAINTENANCE;
  private readonly maintenanceListeners = new Set<() => void>();
  private readonly disposers: Disposer[] = [];

  constructor(
    readonly client: SynclineClient,
    readonly notifications: NotificationCenter | null,
    documentOptions: (documentId: string) => DocumentClientOptions = () => ({}),
    readonly presenceEnabled = true,
  ) {
    this.rooms = new RoomLeases(client);
    this.docs = new DocumentLeases(client, this.rooms, documentOptions, notifications);
    this.disposers.push(
      client.on('maintenance', (data) => {
        this.maintenanceState = Object.freeze(
          data.message === undefined
            ? { enabled: data.enabled }
            : { enabled: data.enabled, message: data.message },
        );
        for (const l of [...this.maintenanceListeners]) l();
        if (data.enabled) {
          notifications?.notify({
            id: 'maintenance',
            kind: 'maintenance',
            title: 'Maintenance',
            message: data.message ?? 'The server is about to go down for maintenance.',
            sticky: true,
          });
        } else notifications?.dismiss('maintenance');
      }),
      client.on('error', (error) =>
        notifications?.notify({
          id: `client-error:${error.code}`,
          kind: 'error',
          title: 'Connection problem',
          message: error.message,
          code: error.code,
        }),
      ),
    );
  }

  getMaintenance = (): MaintenanceState => this.maintenanceState;

  subscribeMaintenance = (listener: () => void): Disposer => {
    this.maintenanceListeners.add(listener);
    return () => this.maintenanceListeners.delete(listener);
  };

  /**
   * Closes every document at once (see `DocumentLeases.closeAll`: unconfirmed edits stay in their persistence),
   * leaves every room and stops listening (the client itself is closed by its owner).
   */
  close(): void {
    for (const d of this.disposers.splice(0)) d();
    this.docs.closeAll();
    this.rooms.leaveAll(); // before the client is closed: others see me leave at once
    this.maintenanceListeners.clear();
  }
}

export { NO_MAINTENANCE };
