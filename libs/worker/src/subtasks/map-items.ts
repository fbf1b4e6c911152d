import { errorMessage } from '@jobnest/common';

/** JSON of each item given to ctx.map(), naming the index of the first one that cannot be stored. */
export function serialiseItems(items: unknown[]): string[] {
  if (!Array.isArray(items)) throw new TypeError('ctx.map() takes an array of items');
  return items.map((item, i) => {
    let json: string | undefined;
    try {
      json = JSON.stringify(item);
    } catch (err) {
      throw new TypeError(`ctx.map() item ${i} is not JSON-serialisable: ${errorMessage(err)}`, { cause: err });
    }
    if (json === undefined) throw new TypeError(`ctx.map() item ${i} is not JSON-serialisable (${typeof item})`);
    return json;
  });
}
