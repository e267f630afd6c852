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
 * Connects a client to the Temporal server at `address`, retrying until the server answers
 * GetSystemInfo, so a worker or API started alongside the server waits for it.
 * Throws when the server has not answered within `timeoutMs`.
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
          `Temporal server at ${options.address} did not answer within ${timeoutMs} ms: ${errorMessage(error)}`,
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
 * Registers search attributes in `namespace` through the operator service. An attribute that
 * already exists counts as registered. Where the server can list attributes, also checks that each
 * one has the expected type and throws when one does not, because the dev server (Temporal CLI
 * 1.9.1) accepts a second registration with another type without an error. The time-skipping test
 * server (1.40.0) cannot list them (ListSearchAttributes is unimplemented), so it skips the check.
 */
export async function registerSearchAttributes(
  connection: Connection,
  namespace: string,
  keys: SearchAttributeKey<SearchAttributeType>[] = onboardingSearchAttributeKeys,
): Promise<void> {
  // One request per attribute, because the time-skipping test server rejects a whole request with
  // ALREADY_EXISTS when any one of its attributes exists; the dev server skips existing ones.
  for (const key of keys) {
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

  let registered: Record<string, number>;
  try {
    const response = await connection.operatorService.listSearchAttributes({ namespace });
    registered = response.customAttributes ?? {};
  } catch (error) {
    if (isGrpcServiceError(error) && error.code === grpcStatus.unimplemented) return;
    throw new Error(
      `failed to list search attributes of namespace ${namespace}: ${errorMessage(error)}`,
      { cause: error },
    );
  }

  const mismatches = keys.filter(
    (key) => registered[key.name] !== encodeSearchAttributeIndexedValueType(key.type),
  );
  if (mismatches.length > 0) {
    const names = mismatches.map((key) => `${key.name} (expected ${key.type})`).join(', ');
    throw new Error(
      `search attributes registered with another type in namespace ${namespace}: ${names}; remove them with "temporal operator search-attribute remove" and start again`,
    );
  }
}
