// Public surface of the Marathon client.

export { MarathonClient, type AppEmbed, type ForceOption, type GetAppOptions, type ListAppsOptions } from './client.js';
export type { MarathonClientOptions, MarathonRequestInfo, Sleep } from './options.js';
export type { BasicAuth, MarathonAuth, TokenAuth } from './auth.js';
export type { EventSubscription, EventsOptions } from './events.js';
export type { MarathonInfo } from './body.js';
export { SERVER_ONLY_FIELDS, toWriteBody } from './definition.js';
export { ROUTES, canonicalAppId, type Route } from './routes.js';
export { allOf, labelEquals, labelExists, labelIn, labelNotEquals, selectorTerm } from './selector.js';
export * from './errors.js';
export { failureKind, type FailureKind } from './retry.js';
