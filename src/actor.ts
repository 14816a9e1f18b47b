// Who performed an action, and the request it came in on, so that every change becomes an audit event
// naming its actor (a staff member, the automation token, a console user, a key).
import type { ActorType, AuditDetail, AuditEventInput } from './audit/event.ts';
import type { Environment } from './db/database.ts';

export interface ActionTarget {
  partnerId: string | null;
  environment: Environment | null;
  detail?: AuditDetail;
}

export class Actor {
  constructor(
    readonly type: ActorType,
    readonly id: string | null,
    readonly requestId: string | null = null,
    readonly clientIp: string | null = null,
    private readonly now: () => Date = () => new Date(),
    /** Who the actor is beyond its id (a staff member's subject, issuer, role…), added to every event. */
    private readonly context: AuditDetail | null = null,
  ) {}

  event(action: string, target: ActionTarget): AuditEventInput {
    return {
      occurredAt: this.now(),
      requestId: this.requestId,
      partnerId: target.partnerId,
      environment: target.environment,
      actorType: this.type,
      actorId: this.id,
      action,
      clientIp: this.clientIp,
      detail: this.context === null ? (target.detail ?? null) : { ...target.detail, ...this.context },
    };
  }
}
