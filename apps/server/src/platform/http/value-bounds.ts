/**
 * Upper bounds of numbers the API accepts, from the columns that store them: a value past its column made MySQL
 * refuse the row and the API answer 500; validation answers 400 naming the field instead.
 */

/** Largest value of a signed MySQL INT column (2^31-1). */
export const MAX_INT_COLUMN = 2_147_483_647;

/** Largest BIGINT the API accepts (ids, cursors): JavaScript numbers are exact only up to 2^53-1. */
export const MAX_SAFE_BIGINT = Number.MAX_SAFE_INTEGER;

/** Latest epoch ms the API accepts: 9999-12-31T23:59:59.999Z, the last instant every Date and client can show. */
export const MAX_EPOCH_MS = 253_402_300_799_999;

/** Highest page number: keeps the query's OFFSET, (page - 1) * size, a plain safe integer. */
export const MAX_PAGE = 1_000_000_000;
