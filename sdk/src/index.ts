export type { AuditExportFormat, AuditExportParams, AuditManifest } from './audit-events.ts';
export { AuditEvents } from './audit-events.ts';
export type {
  Booking,
  BookingCreateParams,
  BookingList,
  BookingListing,
  BookingListParams,
  BookingStatus,
  Contact,
  Traveller,
} from './bookings.ts';
export { Bookings } from './bookings.ts';
export type { Me, TesseraOptions } from './client.ts';
export { Tessera } from './client.ts';
export type { ConnectionFailure, ErrorCode, ErrorDetail, KnownErrorCode } from './errors.ts';
export { TesseraConnectionError, TesseraError } from './errors.ts';
export type { ResponseInfo, WithResponse } from './json.ts';
export type { RequestOptions, WriteOptions } from './options.ts';
export type { Cabin, Money, Passengers, Quote, QuoteCreateParams } from './quotes.ts';
export { Quotes } from './quotes.ts';
export type { GenericRequestOptions, RequestResult } from './request.ts';
export type { Environment, ParsedApiKey } from './signing.ts';
export { canonicalString, parseApiKey, signRequest } from './signing.ts';
export type { ApiRequest, ApiResponse, HttpMethod, QueryValue } from './transport.ts';
export { SDK_VERSION } from './version.ts';
