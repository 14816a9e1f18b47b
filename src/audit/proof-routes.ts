// Proof routes (docs/audit-ledger.md §5): the latest signed tree head of a chain, an event's inclusion proof
// against a signed head, and a consistency proof between two signed heads. A partner's key reaches only its
// own chains (its environment's, or with chain=partner its partner-level chain); staff name any chain.
// The chain id is always derived from the key or staff's explicit parameter, never from stored data.
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppDeps } from '../deps.ts';
import { apiError } from '../errors.ts';
import type { RouteRegistrar } from '../server.ts';
import { findTreeHead, proveConsistency, proveInclusion } from './tree-store.ts';

const Size = Type.String({ pattern: '^[1-9][0-9]{0,15}$' });
const ChainChoice = Type.Optional(Type.Union([Type.Literal('environment'), Type.Literal('partner')]));
const StaffChain = Type.String({
  minLength: 1,
  maxLength: 64,
  pattern: '^(-|ptn_[0-9A-Za-z]{23}(/(live|test))?)$',
});

const HeadQuery = Type.Object({ chain: ChainChoice }, { additionalProperties: false });
const ProofQuery = Type.Object({ tree_size: Type.Optional(Size) }, { additionalProperties: false });
const ConsistencyQuery = Type.Object(
  { first: Size, second: Size, chain: ChainChoice },
  { additionalProperties: false },
);
const StaffHeadQuery = Type.Object({ chain_id: StaffChain }, { additionalProperties: false });
const StaffConsistencyQuery = Type.Object(
  { chain_id: StaffChain, first: Size, second: Size },
  { additionalProperties: false },
);
const EventParams = Type.Object({ id: Type.String({ pattern: '^evt_[0-9A-Za-z]{1,64}$' }) });

type Key = { partnerId: string; environment: 'test' | 'live' };

function keyOf(request: FastifyRequest): Key {
  const key = (request as { tessera: { key?: Key } }).tessera.key;
  if (!key) throw new Error('an audit proof route was reached without a key');
  return key;
}

function chainOf(key: Key, choice: 'environment' | 'partner' | undefined): string {
  return choice === 'partner' ? key.partnerId : `${key.partnerId}/${key.environment}`;
}

export function proofRoutes(deps: AppDeps): RouteRegistrar {
  const { db } = deps;
  const partnerRead = { security: { kind: 'read' as const, scope: 'audit:read' as const } };
  const admin = { security: { kind: 'admin' as const } };

  const head = async (chainId: string) => {
    const found = await findTreeHead(db, chainId);
    if (!found) throw apiError('resource.not_found');
    return found;
  };

  const inclusion = async (eventId: string, allowed: (chainId: string) => boolean, size?: string) => {
    const [event] = await db.query<{ chain_id: string; chain_seq: string | null; hash: string | null }>(
      'SELECT chain_id, chain_seq::text AS chain_seq, hash FROM audit_events WHERE id = $1',
      [eventId],
    );
    // Another partner's event is indistinguishable from one that does not exist.
    if (!event || !allowed(event.chain_id)) throw apiError('resource.not_found');
    const treeHead = await findTreeHead(db, event.chain_id, size === undefined ? undefined : BigInt(size));
    // An event not yet sequenced is in no tree yet: the same answer as a tree too small to hold it.
    const position = event.chain_seq === null ? undefined : BigInt(event.chain_seq);
    if (!treeHead || position === undefined || BigInt(treeHead.tree_size) < position) {
      throw apiError('request.invalid', {
        details: [
          { field: 'tree_size', message: 'must be the size of a signed tree head that holds the event' },
        ],
      });
    }
    const path = await proveInclusion(db, event.chain_id, position, BigInt(treeHead.tree_size));
    if (!path) throw new Error('a signed tree is missing leaves');
    return {
      event_id: eventId,
      chain_id: event.chain_id,
      chain_seq: event.chain_seq,
      hash: event.hash,
      tree_head: treeHead,
      audit_path: path,
    };
  };

  const consistency = async (chainId: string, first: string, second: string) => {
    const [a, b] = [
      await findTreeHead(db, chainId, BigInt(first)),
      await findTreeHead(db, chainId, BigInt(second)),
    ];
    const details = [];
    if (!a) details.push({ field: 'first', message: 'must be the size of a signed tree head' });
    if (!b) details.push({ field: 'second', message: 'must be the size of a signed tree head' });
    if (a && b && BigInt(first) > BigInt(second))
      details.push({ field: 'second', message: 'must not be below first' });
    if (!a || !b || details.length > 0) throw apiError('request.invalid', { details });
    const proof = await proveConsistency(db, chainId, BigInt(first), BigInt(second));
    if (!proof) throw new Error('a signed tree is missing leaves');
    return { chain_id: chainId, first: a, second: b, proof };
  };

  return (app: FastifyInstance) => {
    app.get(
      '/v1/audit/tree-head',
      { config: partnerRead, schema: { querystring: HeadQuery } },
      async (request) => {
        const { chain } = request.query as Static<typeof HeadQuery>;
        return head(chainOf(keyOf(request), chain));
      },
    );
    app.get(
      '/v1/audit-events/:id/proof',
      { config: partnerRead, schema: { params: EventParams, querystring: ProofQuery } },
      async (request) => {
        const key = keyOf(request);
        const { id } = request.params as { id: string };
        const { tree_size: size } = request.query as Static<typeof ProofQuery>;
        return inclusion(
          id,
          (chainId) => chainId === chainOf(key, 'environment') || chainId === key.partnerId,
          size,
        );
      },
    );
    app.get(
      '/v1/audit/consistency',
      { config: partnerRead, schema: { querystring: ConsistencyQuery } },
      async (request) => {
        const { first, second, chain } = request.query as Static<typeof ConsistencyQuery>;
        return consistency(chainOf(keyOf(request), chain), first, second);
      },
    );
    app.get(
      '/admin/v1/audit/tree-head',
      { config: admin, schema: { querystring: StaffHeadQuery } },
      async (request) => head((request.query as Static<typeof StaffHeadQuery>).chain_id),
    );
    app.get(
      '/admin/v1/audit-events/:id/proof',
      { config: admin, schema: { params: EventParams, querystring: ProofQuery } },
      async (request) => {
        const { id } = request.params as { id: string };
        return inclusion(id, () => true, (request.query as Static<typeof ProofQuery>).tree_size);
      },
    );
    app.get(
      '/admin/v1/audit/consistency',
      { config: admin, schema: { querystring: StaffConsistencyQuery } },
      async (request) => {
        const { chain_id: chainId, first, second } = request.query as Static<typeof StaffConsistencyQuery>;
        return consistency(chainId, first, second);
      },
    );
  };
}
