// Compiles src/*.sol with the pinned solc and writes artifacts/<Contract>.json (ABI, bytecode).
//   node scripts/compile.mjs          write the artifacts
//   node scripts/compile.mjs --check  exit 1 if the committed artifacts differ from a fresh compile
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import solc from 'solc'

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)))
const sources = {}
for (const file of fs.readdirSync(path.join(root, 'src')).filter((f) => f.endsWith('.sol')).sort())
  sources[file] = { content: fs.readFileSync(path.join(root, 'src', file), 'utf8') }

const settings = {
  optimizer: { enabled: true, runs: 200 },
  evmVersion: 'cancun',
  metadata: { bytecodeHash: 'none' }, // artifacts do not change with paths or comments' IPFS hash
  outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] } },
}
const output = JSON.parse(solc.compile(JSON.stringify({ language: 'Solidity', sources, settings })))
const errors = (output.errors ?? []).filter((e) => e.severity === 'error')
for (const message of output.errors ?? []) console.error(message.formattedMessage)
if (errors.length) process.exit(1)

const check = process.argv.includes('--check')
let differs = false
fs.mkdirSync(path.join(root, 'artifacts'), { recursive: true })
for (const [file, contracts] of Object.entries(output.contracts)) {
  for (const [name, contract] of Object.entries(contracts)) {
    const artifact = JSON.stringify({
      contractName: name,
      source: `src/${file}`,
      compiler: `solc ${solc.version()}`,
      settings: { optimizer: settings.optimizer, evmVersion: settings.evmVersion },
      abi: contract.abi,
      bytecode: '0x' + contract.evm.bytecode.object,
      deployedBytecode: '0x' + contract.evm.deployedBytecode.object,
    }, null, 2) + '\n'
    const target = path.join(root, 'artifacts', `${name}.json`)
    if (check) {
      const committed = fs.existsSync(target) ? fs.readFileSync(target, 'utf8') : ''
      if (committed !== artifact) {
        console.error(`${target} differs from a fresh compile: run 'npm run compile' in contracts/`)
        differs = true
      }
    } else {
      fs.writeFileSync(target, artifact)
      console.log(`wrote ${path.relative(root, target)}`)
    }
  }
}
process.exit(differs ? 1 : 0)
