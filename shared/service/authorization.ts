/** The registry's authorization rules: scopes per operation, ownership per model. */
import { forbidden, RegistryError } from '../errors.js';
import type { Scope } from '../ports/auth.js';
import type { Actor } from './context.js';

export function requireScope(actor: Actor, scope: Scope): void {
  if (!actor.scopes.has(scope)) throw new RegistryError('forbidden', `this operation needs the scope ${scope}`);
}

export const isAdmin = (actor: Actor): boolean => actor.scopes.has('registry.admin');

interface ModelWriters {
  owner: string;
  maintainers: string[];
  dropInPrincipals?: string[];
}

/**
 * Whose drop-ins may write a model: its owner, its maintainers and the principals it lists for
 * drop-ins. Deny by default: a model without maintainers is open to API writers, not to
 * whoever can write the bucket's `incoming/`.
 */
export const isDropInWriter = (subject: string, model: ModelWriters): boolean =>
  subject === model.owner || model.maintainers.includes(subject) || (model.dropInPrincipals ?? []).includes(subject);

/**
 * Writes need `registry.write`; on a model with maintainers, also being its owner or a maintainer
 * (or admin). A drop-in's writer must be one of `isDropInWriter`'s, whatever the model.
 */
export function requireModelWriter(actor: Actor, model: ModelWriters): void {
  requireScope(actor, 'registry.write');
  if (actor.dropIn) {
    if (isDropInWriter(actor.subject, model)) return;
    throw forbidden(`${actor.subject} is not the model's owner, a maintainer, or one of its dropInPrincipals`);
  }
  if (isAdmin(actor) || model.maintainers.length === 0) return;
  if (actor.subject === model.owner || model.maintainers.includes(actor.subject)) return;
  throw forbidden(`only the model's owner, its maintainers or an admin may change it`);
}

export function requireAdmin(actor: Actor, what: string): void {
  if (!isAdmin(actor)) throw forbidden(`${what} needs the scope registry.admin`);
}
