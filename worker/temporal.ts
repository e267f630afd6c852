import { setTimeout as sleep } from 'node:timers/promises';
import { Connection, isGrpcServiceError } from '@temporalio/client';
import type { SearchAttributeType } from '@temporalio/common';
import {
  encodeSearchAttributeIndexedValueType,
  type SearchAttributeKey,
} from '@temporalio/common/lib/search-attributes';
import type { Logger } from 'pino';
import { searchAttributes } from '../domain/search-attributes';

/** gRPC status codes, from https://grpc.github.io/grpc/core/md_doc_statuscodes.html. */
const grpcStatus = { alreadyExists: 6, unimplemented: 12 } as const;

/** Every search attribute that onboarding workflows set, in registration order. */
export const onboardingSearchAttributeKeys: SearchAttributeKey<SearchAttributeType>[] =
  Object.values(searchAttributes);

export interface WaitForTemporalOptions {
  address: string;
  /** How long to keep retrying before giving up, in milliseconds (default 60000). */
  timeoutMs?: number;
  logger?: Logger;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Connects a client to the Temporal server at `address`, retrying until the server responds to
 * GetSystemInfo, so a worker or API started alongside the server waits for it.
 * Throws when the server has not responded within `timeoutMs`.
 */
export async function waitForTemporal(options: WaitForTemporalOptions): Promise<Connection> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const deadline = Date.now() + timeoutMs;
  let attempt = 0;
  for (;;) {
    attempt += 1;
    let connection: Connection | undefined;
    try {
      const connected = await Connection.connect({
        address: options.address,
        connectTimeout: 2_000,
      });
      connection = connected;
      await connected.withDeadline(Date.now() + 2_000, () =>
        connected.workflowService.getSystemInfo({}),
      );
      return connected;
    } catch (error) {
      await connection?.close().catch(() => undefined);
      if (Date.now() >= deadline) {
        throw new Error(
          `Temporal server at ${options.address} did not respond within ${timeoutMs} ms: ${errorMessage(error)}`,
          { cause: error },
        );
      }
      // Log the first failure and then every tenth, so a slow start does not flood the log.
      if (attempt === 1 || attempt % 10 === 0) {
        options.logger?.info(
          { address: options.address, attempt, error: errorMessage(error) },
          'waiting for temporal server',
        );
      }
      await sleep(500);
    }
  }
}

/**
 * Returns the custom search attributes of `namespace` with their IndexedValueType numbers, or
 * undefined when the server cannot list them: ListSearchAttributes is unimplemented in the
 * time-skipping test server (1.40.0).
 */
async function listCustomSearchAttributes(
  connection: Connection,
  namespace: string,
): Promise<Record<string, number> | undefined> {
  try {
    const response = await connection.operatorService.listSearchAttributes({ namespace });
    return response.customAttributes ?? {};
  } catch (error) {
    if (isGrpcServiceError(error) && error.code === grpcStatus.unimplemented) return undefined;
    throw new Error(
      `failed to list search attributes of namespace ${namespace}: ${errorMessage(error)}`,
      { cause: error },
    );
  }
}

/**
 * Registers the search attributes that `namespace` lacks, through the operator service. Throws when
 * one is already registered with another type, because the dev server (Temporal CLI 1.9.1) would
 * accept the registration silently and the workflow's upserts would then fail. The time-skipping
 * test server cannot list attributes, so there each one is added and ALREADY_EXISTS counts as
 * registered, without a type check.
 */
export async function registerSearchAttributes(
  connection: Connection,
  namespace: string,
  keys: SearchAttributeKey<SearchAttributeType>[] = onboardingSearchAttributeKeys,
): Promise<void> {
  const registered = await listCustomSearchAttributes(connection, namespace);

  if (registered) {
    const mismatches = keys.filter(
      (key) =>
        key.name in registered &&
        registered[key.name] !== encodeSearchAttributeIndexedValueType(key.type),
    );
    if (mismatches.length > 0) {
      const names = mismatches.map((key) => `${key.name} (expected ${key.type})`).join(', ');
      throw new Error(
        `search attributes registered with another type in namespace ${namespace}: ${names}; remove them with "temporal operator search-attribute remove" and start again`,
      );
    }
  }

  const missing = registered ? keys.filter((key) => !(key.name in registered)) : keys;
  // One request per attribute, because the time-skipping test server rejects a whole request with
  // ALREADY_EXISTS when any one of its attributes exists.
  for (const key of missing) {
    try {
      await connection.operatorService.addSearchAttributes({
        namespace,
        searchAttributes: { [key.name]: encodeSearchAttributeIndexedValueType(key.type)! },
      });
    } catch (error) {
      if (isGrpcServiceError(error) && error.code === grpcStatus.alreadyExists) continue;
      throw new Error(
        `failed to register search attribute ${key.name} (${key.type}) in namespace ${namespace}: ${errorMessage(error)}`,
        { cause: error },
      );
    }
  }
}
