import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { ErrorCode, ExitCode, IwpError } from '@iwp/core';
import type { LockBackend, LockEntry, LockInfo } from './lock-backend.js';

type Ddb = typeof import('@aws-sdk/client-dynamodb');
const sdk = (): Ddb => createRequire(import.meta.url)('@aws-sdk/client-dynamodb') as Ddb;

/**
 * Locks in a DynamoDB table (hash key `LockID`, a string), for stores that do not honour
 * conditional writes: `PutItem` with `attribute_not_exists(LockID)` creates, a random `Rev`
 * per write makes replace and delete compare-and-swap. `LockID` is `<store url>/<stack>`.
 */
export class TableLockBackend implements LockBackend {
  readonly kind = 'table' as const;

  constructor(
    private readonly ddb: DynamoDBClient,
    readonly table: string,
    private readonly storeUrl: string,
  ) {}

  private id(stack: string): string {
    return `${this.storeUrl}/${stack}`;
  }

  async ensureTable(): Promise<boolean> {
    const d = sdk();
    try {
      await this.ddb.send(new d.DescribeTableCommand({ TableName: this.table }));
      return false;
    } catch (err) {
      if ((err as Error).name !== 'ResourceNotFoundException') throw this.translate(err);
    }
    await this.ddb.send(
      new d.CreateTableCommand({
        TableName: this.table,
        AttributeDefinitions: [{ AttributeName: 'LockID', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'LockID', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    return true;
  }

  async create(info: LockInfo): Promise<string> {
    return this.write(info, 'attribute_not_exists(LockID)', {});
  }

  async replace(info: LockInfo, token: string): Promise<string> {
    return this.write(info, 'Rev = :rev', { ':rev': { S: token } });
  }

  private async write(info: LockInfo, condition: string, values: Record<string, { S: string }>): Promise<string> {
    const rev = randomUUID();
    try {
      await this.ddb.send(
        new (sdk().PutItemCommand)({
          TableName: this.table,
          Item: { LockID: { S: this.id(info.stack) }, Rev: { S: rev }, Info: { S: JSON.stringify(info) }, Expires: { N: String(Date.parse(info.expires)) } },
          ConditionExpression: condition,
          ...(Object.keys(values).length ? { ExpressionAttributeValues: values } : {}),
        }),
      );
    } catch (err) {
      throw this.translate(err, info.stack);
    }
    return rev;
  }

  async read(stack: string): Promise<LockEntry | undefined> {
    try {
      const out = await this.ddb.send(new (sdk().GetItemCommand)({ TableName: this.table, Key: { LockID: { S: this.id(stack) } }, ConsistentRead: true }));
      return out.Item ? entry(out.Item) : undefined;
    } catch (err) {
      throw this.translate(err, stack);
    }
  }

  async remove(stack: string, token: string): Promise<void> {
    try {
      await this.ddb.send(
        new (sdk().DeleteItemCommand)({
          TableName: this.table,
          Key: { LockID: { S: this.id(stack) } },
          ConditionExpression: 'Rev = :rev',
          ExpressionAttributeValues: { ':rev': { S: token } },
        }),
      );
    } catch (err) {
      throw this.translate(err, stack);
    }
  }

  async list(): Promise<LockEntry[]> {
    const out: LockEntry[] = [];
    let start: Record<string, import('@aws-sdk/client-dynamodb').AttributeValue> | undefined;
    do {
      const page = await this.ddb
        .send(
          new (sdk().ScanCommand)({
            TableName: this.table,
            ConsistentRead: true,
            FilterExpression: 'begins_with(LockID, :p)',
            ExpressionAttributeValues: { ':p': { S: `${this.storeUrl}/` } },
            ExclusiveStartKey: start,
          }),
        )
        .catch((err: unknown) => {
          throw this.translate(err);
        });
      for (const item of page.Items ?? []) out.push(entry(item));
      start = page.LastEvaluatedKey;
    } while (start);
    return out.sort((a, b) => (a.info.stack < b.info.stack ? -1 : 1));
  }

  private translate(err: unknown, stack?: string): IwpError {
    const name = (err as Error).name;
    if (name === 'ConditionalCheckFailedException') {
      return new IwpError(ErrorCode.CAS_LOST, `lock of ${stack} in table ${this.table} changed since it was read`);
    }
    if (name === 'ResourceNotFoundException') {
      return new IwpError(ErrorCode.NOT_FOUND, `lock table ${this.table} not found`, { hint: `remote-state init --lock-table ${this.table} creates it` });
    }
    if (['UnrecognizedClientException', 'AccessDeniedException', 'InvalidSignatureException', 'CredentialsProviderError'].includes(name)) {
      return new IwpError(ErrorCode.AUTH_FAILED, `lock table ${this.table}: access denied (${name})`, { exitCode: ExitCode.BAD_INPUT });
    }
    return new IwpError(ErrorCode.FAILED, `lock table ${this.table}: ${name}: ${(err as Error).message}`, { cause: err });
  }
}

function entry(item: Record<string, import('@aws-sdk/client-dynamodb').AttributeValue>): LockEntry {
  return { info: JSON.parse(item.Info!.S!) as LockInfo, token: item.Rev!.S! };
}
