/** Names for the contract's types. They are generated from openapi.yaml (`npm run gen:types`), never written by hand. */
import type { components } from './openapi.gen.js';

type Schemas = components['schemas'];

export type PushEnvelope = Schemas['PushEnvelope'];
export type ContentRequest = Schemas['ContentRequest'];
export type Outcome = Schemas['Outcome'];
export type DeliveryResult = Schemas['DeliveryResult'];
export type RequestStatus = Schemas['RequestStatus'];
export type RequestView = Schemas['RequestView'];
export type StageRunView = Schemas['StageRun'];
export type Readiness = Schemas['Readiness'];
export type ErrorBody = Schemas['Error'];
export type Subject = Schemas['Subject'];
export type Understanding = Schemas['Understanding'];
export type LessonScript = Schemas['LessonScript'];
export type Scene = Schemas['Scene'];
export type Generator = Schemas['Generator'];
export type LessonResult = Schemas['LessonResult'];
