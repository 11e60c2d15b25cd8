import sharp from 'sharp';
import { readFileSync } from 'node:fs';
import zlib from 'node:zlib';
import pngjs from 'pngjs';
function rng(seed){let s=seed>>>0;return()=>{s=(s+0x6D2B79F5)>>>0;let t=s;t=Math.imul(t^(t>>>15),t|1);t^=t+Math.imul(t^(t>>>7),t|61);return((t^(t>>>14))>>>0)/4294967296;};}
async function smooth(w,h,seed,grain=10){const r=rng(seed);const g=5+Math.floor(r()*4);const coarse=Buffer.alloc(g*g*3);for(let i=0;i<coarse.length;i++)coarse[i]=Math.floor(r()*256);
const up=await sharp(coarse,{raw:{width:g,height:g,channels:3}}).resize(w,h,{kernel:'cubic',fit:'fill'}).raw().toBuffer();for(let i=0;i<up.length;i++)up[i]=Math.max(0,Math.min(255,up[i]+Math.round((r()-0.5)*grain)));return sharp(up,{raw:{width:w,height:h,channels:3}});}
function idat(b){let p=8,out=[];while(p<b.length){const n=b.readUInt32BE(p),t=b.toString('latin1',p+4,p+8);if(t==='IDAT')out.push(b.subarray(p+8,p+8+n));p+=12+n;}return Buffer.concat(out);}
const files=[];for(let i=0;i<100;i++)files.push(await (await smooth(64,64,5000+i,6)).png().toBuffer());
const wasmPath = process.argv[2] || '/work/main/build/pipeline.wasm';
const { instance } = await WebAssembly.instantiate(readFileSync(wasmPath), { env: { abort(){throw new Error('abort')}, seed: () => 1 } });
const ex = instance.exports; const mem = ()=>new Uint8Array(ex.memory.buffer);
function cpu(fn, reps){ for(let r=0;r<3;r++)fn(); const t=process.cpuUsage(); for(let r=0;r<reps;r++)fn(); const u=process.cpuUsage(t); return (u.user+u.system)/reps/files.length; }
const reps = +process.argv[3] || 50;
const zs = files.map(idat);
console.log('pngjs us/file', cpu(()=>{for(const f of files)pngjs.PNG.sync.read(f)}, 10).toFixed(2));
console.log('zlib inflate us/file', cpu(()=>{for(const z of zs)zlib.inflateSync(z)}, reps).toFixed(2));
const run=(what)=>cpu(()=>{for(let i=0;i<files.length;i++){ex.reset();const f=what==='png'?files[i]:zs[i];const src=ex.alloc(f.length);mem().set(f,src);
 if(what==='png'){const res=ex.alloc(16);ex.decodePng(src,f.length,1<<26,res);}
 else if(what==='inflate'){const dst=ex.alloc(13000+64);ex.inflateZlib(src,f.length,dst,13000);} 
 else if(what==='crc'){ex.crc32(src,f.length);} else if(what==='adler'){ex.adler32(src,f.length);} else if(what==='copyin'){} }}, reps);
for (const w of ['copyin','crc','adler','inflate','png']) console.log(w, 'us/file', run(w).toFixed(2));
