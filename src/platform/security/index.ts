export { hashPassword, verifyPassword, dummyPasswordHash, passwordProblem } from './password.js'
export { generateTotpSecret, verifyTotp, otpauthUri, hotp, base32Encode, base32Decode, totpStep } from './totp.js'
export { randomToken, sha256Hex, safeEqual } from './tokens.js'
