/**
 * Phial: a Flask-style web framework for TypeScript on Node.js, secure by default.
 *
 * @example
 * import { Phial } from 'phial';
 * const app = new Phial({ name: 'hello' });
 * app.get('/users/<int:id>', (req) => ({ id: req.params.id }));
 * await app.listen();
 *
 * @module
 */
export { Phial, type PhialAppOptions, type ListenOptions, type RouteDescription, type PhialExtension } from './app/phial.ts';
export { STEP_POSITIONS, STEP_POSITION_MIN, STEP_POSITION_MAX, type StepDeclaration, type StepRun, type RouteStepInfo } from './steps/step.ts';
export { Blueprint, type BlueprintOptions } from './app/scaffold.ts';
export type { AppSessionOptions, AppCsrfOptions } from './steps/sessions.ts';
export type { Session, SessionValues } from './sessions/session.ts';
export { SetupError } from './errors/setup-error.ts';
export type { BlueprintRegistration } from './http/registrations.ts';
export { Request } from './http/request.ts';
export { Response, type ResponseInit, type ResponseBody } from './http/response.ts';
export { ResponseHeaders, HeaderValueError, type HeadersInit } from './http/headers.ts';
export { sendFile, sendFromDirectory, safeJoin, contentDisposition, parseRange, type SendFileOptions } from './http/static.ts';
export {
  serializeCookie, CookieError, type CookieOptions, type CookieOptionsFor, type SameSite, type CookiePriority,
} from './http/set-cookie.ts';
export { parseCookieHeader } from './http/cookies.ts';
export { canonicalIp, parseCidr, ipInCidr, CidrError, type Cidr } from './net/ip.ts';
export { resolveForwarded, type TrustedProxies, type TrustedProxiesOption, type ForwardedInfo } from './http/proxy.ts';
export { parseMediaType, type MediaType } from './http/content-type.ts';
export { UploadedFile, secureFilename, parseUrlEncoded, type BodyLimits, type FormObject, type FormValue } from './http/body/index.ts';
export { validate, type FieldIssue } from './validation/standard-schema.ts';
export {
  defineForm, renderField, renderCsrfField, renderFormErrors, renderHiddenTag,
  type Form, type FormResult, type FormOptions, type FieldHints, type FieldType, type RenderFieldOptions,
} from './forms/index.ts';
export { escapeHtml } from './security/escape.ts';
export { redirect, type RedirectStatus } from './http/redirect.ts';
export { checkRedirectTarget, safeNextUrl, type SafeNextOptions } from './security/redirect.ts';
export {
  HTTPException, BadRequest, ValidationError, Unauthorized, Forbidden, NotFound, MethodNotAllowed, NotAcceptable, RequestTimeout,
  Conflict, Gone, LengthRequired, PreconditionFailed, RequestEntityTooLarge, RequestURITooLarge, UnsupportedMediaType,
  RequestedRangeNotSatisfiable, ExpectationFailed, ImATeapot, MisdirectedRequest, UnprocessableEntity, Locked, FailedDependency,
  PreconditionRequired, TooManyRequests, RequestHeaderFieldsTooLarge, UnavailableForLegalReasons, InternalServerError,
  NotImplemented, BadGateway, ServiceUnavailable, GatewayTimeout, HTTPVersionNotSupported, defaultExceptions,
  abort, statusName, defaultDescription, type HTTPExceptionOptions, type HTTPExceptionClass, type RangeNotSatisfiableOptions,
  type InputIssue, type InputLocation,
} from './errors/http.ts';
export { TemplateResult } from './http/template-result.ts';
export type {
  View, ViewReturn, ViewBody, JsonBody, RouteOptions, RouteSchemas, ValidatedInputs, BeforeRequestHook, AfterRequestHook, TeardownRequestHook, ErrorHandler, ErrorClass,
} from './http/view.ts';
export type { RouteParams, ConverterTypes } from './routing/params.ts';
export { type Converter, type ConverterFactory, NO_MATCH } from './routing/converters.ts';
export { RuleError, BuildError } from './routing/index.ts';
export { compileSecurityHeaders, type CompiledSecurityHeaders, type SecurityHeaderOptions, type CspDirectives } from './security/headers.ts';
export { ConfigError, type PhialConfig, type PhialOptions, type PhialEnv, type ServerLimits } from './config/config.ts';
export { envParsers, type AppSettings, type AppSettingsEnv, type SettingParser } from './config/config.ts';
export { PhialError } from './errors/phial-error.ts';
export { ERROR_CODES, type PhialErrorCode, type ErrorCodeInfo } from './errors/registry.ts';
export { renderSandboxed } from './templates/lazy.ts';
export { SandboxError, TemplateError } from './templates/errors.ts';
export type { SandboxLimits } from './templates/sandbox.ts';
export type { RunningServer } from './server/types.ts';
