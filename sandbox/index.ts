/** The sandbox's public surface: fake GitHub and GitLab, the app runner, and test utilities. */
export { startSandbox, freePort, type Sandbox } from "./sandbox.js";
export { startApp, type AppProcess, type StartAppOptions } from "./app-process.js";
export { waitFor, WaitForTimeoutError, type WaitForOptions } from "./wait-for.js";
export { FakeGitHub, type FakeGitHubOptions, type CreateRepoOptions, type CreatedRepo } from "./fake-github.js";
export type { CheckRunRecord, IssueRecord, Annotation, PushEventOptions, WebhookDelivery } from "./fake-github.js";
export { FakeGitLab, type FakeGitLabOptions, type CreatedProject, type HookDelivery } from "./fake-gitlab.js";
export type { GitLabPushEventOptions, GitLabPushCommit, HookRecord, StatusRecord } from "./fake-gitlab.js";
export type { Fault, LoggedRequest } from "./http/fake-server.js";
export type { CommitAndPushOptions, PushResult, RefChange } from "./work-repo.js";
export { deliverGitHubWebhook, deliverGitLabWebhook, signGitHubPayload, type DeliveryResult } from "./webhook-delivery.js";
export { createGitHttpHandler } from "./git-http-backend.js";
export { git, ZERO_SHA } from "./git.js";
