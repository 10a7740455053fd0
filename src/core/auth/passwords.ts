import bcrypt from 'bcryptjs';

// bcryptjs is pure JS (no install script); cost 11 keeps a login near 150 ms on the 2-core target machine.
const COST = 11;

export const hashPassword = (plain: string) => bcrypt.hash(plain, COST);
export const verifyPassword = (plain: string, hash: string) => bcrypt.compare(plain, hash);

/** A hash to compare against when the user does not exist, so timing does not reveal accounts. */
export const DUMMY_HASH = bcrypt.hashSync('ponte-dummy-password', COST);
