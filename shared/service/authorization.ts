/** The registry's authorization rules: scopes per operation, ownership per model. */
import { forbidden, RegistryError } from '../errors.js';
import type { Scope } from '../ports/auth.js';
import type { Actor } from './context.js';

export function requireScope(actor: Actor, scope: Scope): void {
  if (!actor.scopes.has(scope)) throw new RegistryError('forbidden', `this operation needs the scope ${scope}`);
}

export const isAdmin = (actor: Actor): boolean => actor.scopes.has('registry.admin');

/** Writes need `registry.write`; on a model with maintainers, also being its owner or a maintainer (or admin). */
export function requireModelWriter(actor: Actor, model: { owner: string; maintainers: string[] }): void {
  requireScope(actor, 'registry.write');
  if (isAdmin(actor) || model.maintainers.length === 0) return;
  if (actor.subject === model.owner || model.maintainers.includes(actor.subject)) return;
  throw forbidden(`only the model's owner, its maintainers or an admin may change it`);
}

export function requireAdmin(actor: Actor, what: string): void {
  if (!isAdmin(actor)) throw forbidden(`${what} needs the scope registry.admin`);
}
